#include "pg/connection.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "pg/host_resolver.h"
#include "pg/redact.h"

namespace tgate::pg {
namespace {

// libpq's PQconnectPoll does not enforce connect_timeout (only its blocking
// PQconnectdb does), so Connect does, with this default.
constexpr int kDefaultConnectTimeoutSeconds = 10;

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return std::string(s);
}

// libpq's multi-line messages ("...failed: X\n\tIs the server running...")
// on one line.
std::string OneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : Trim(s)) {
    if (c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += (out.back() == '.' || out.back() == ':') ? " " : ". ";
    space = false;
    out += c;
  }
  return out;
}

// libpq prints notices (and the server's asynchronous errors) to stderr by
// default: send them to the log instead.
void LogNotice(void* /*arg*/, const char* message) { spdlog::debug("postgres: {}", OneLine(message)); }

}  // namespace

struct Connection::State {
  explicit State(asio::any_io_executor ex) : socket(ex), deadline(ex), resolver(ex) {}
  ~State() { Close(); }

  PGconn* conn = nullptr;
  asio::posix::stream_descriptor socket;  // wraps PQsocket(conn) while fd >= 0
  int fd = -1;
  asio::steady_timer deadline;       // Connect's timeout
  asio::ip::tcp::resolver resolver;  // Connect's host name lookups
  bool timed_out = false;
  bool closed = false;  // the Connection is gone: conn is finished
  bool broken = false;
  bool busy = false;  // an operation is under way (they must not overlap)
  std::string broken_reason;
  std::string sqlstate;
  std::deque<Notification> notifications;
  std::string password;  // scrubbed from every message
  int backend_pid = 0;
  // The statements this session has prepared, by their SQL: the name each
  // runs by (see Connection's header comment). At most kMaxPrepared.
  // Looked up by string_view (no copy of the SQL per statement run).
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> prepared;
  int64_t prepares = 0;  // names handed out so far

  void Close() {
    if (closed) return;
    closed = true;
    ReleaseSocket();
    if (conn != nullptr) {
      PQfinish(conn);
      conn = nullptr;
    }
  }

  // release() ends the waits under way (operation_aborted) and hands the fd
  // back without closing it: libpq owns it.
  void ReleaseSocket() {
    if (fd < 0) return;
    socket.release();
    fd = -1;
  }

  // Wraps libpq's current socket. While connecting libpq may close one socket
  // and open another (next address, SSL retry), possibly with the same
  // number, so this always re-registers.
  Status TrackSocket() {
    ReleaseSocket();
    int s = PQsocket(conn);
    if (s < 0) return Status::Unavailable("PostgreSQL connection has no socket");
    boost::system::error_code ec;
    socket.assign(s, ec);
    if (ec) return Status::Internal("cannot watch the PostgreSQL socket: " + ec.message());
    fd = s;
    return Status::Ok();
  }

  std::string Scrub(std::string message) const { return ScrubSecret(std::move(message), password); }

  Status Usable() const {
    if (closed) return Status::Unavailable("the PostgreSQL connection is closed");
    if (broken) return Status::Unavailable("the PostgreSQL connection is broken: " + broken_reason);
    return Status::Ok();
  }

  // The connection is gone for good (the socket failed or the server left).
  Status Lost() {
    broken = true;
    broken_reason = Scrub(OneLine(PQerrorMessage(conn)));
    if (broken_reason.empty()) broken_reason = "connection lost";
    return Status::Unavailable("lost the connection to PostgreSQL: " + broken_reason);
  }

  // PQsend* refused: the connection is lost, or it is in no state to send.
  Status SendFailed() {
    if (PQstatus(conn) == CONNECTION_BAD) return Lost();
    return Status::Internal("cannot send the statement to PostgreSQL: " +
                            Scrub(OneLine(PQerrorMessage(conn))));
  }

  // A statement's error, mapped by SQLSTATE (connection.h).
  Status MapError(const PGresult* r) {
    const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    sqlstate = code != nullptr ? code : "";
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    std::string message = Scrub(primary != nullptr ? std::string(primary) : OneLine(PQresultErrorMessage(r)));
    if (message.empty()) message = PQresStatus(PQresultStatus(r));
    std::string_view s = sqlstate;
    if (PQstatus(conn) == CONNECTION_BAD || s.starts_with("08") || s == "57P01" || s == "57P02" ||
        s == "57P03") {
      broken = true;
      broken_reason = message;
      return Status::Unavailable("lost the connection to PostgreSQL: " + message);
    }
    if (s == "0A000" && message.find("cached plan") != std::string::npos) {
      // A prepared statement whose result changed shape under it (another
      // instance migrated the schema): the session's statements are stale.
      // A new connection prepares them anew; the caller retries.
      broken = true;
      broken_reason = message;
      return Status::Unavailable("a prepared statement outlived a schema change: " + message);
    }
    if (s == "23505" || s == "TG001") return Status::Conflict(message);
    if (s == "40001" || s == "40P01") return Status::Unavailable(message);
    if (s.starts_with("23")) return Status::Unprocessable(message);
    return Status::Internal(message);
  }

  void CollectNotifications() {
    while (PGnotify* n = PQnotifies(conn)) {
      notifications.push_back({n->relname, n->extra != nullptr ? n->extra : ""});
      PQfreemem(n);
    }
  }
};

namespace {

using State = Connection::State;

Status Closed() { return Status::Unavailable("the PostgreSQL connection was closed"); }

// Marks the connection busy for one operation; a second one at the same time
// is a caller's bug (connection.h: one operation at a time) and is refused,
// not let loose on libpq's state.
class BusyGuard {
 public:
  explicit BusyGuard(State& st) : st_(st), acquired_(!st.busy) { st_.busy = true; }
  ~BusyGuard() {
    if (acquired_) st_.busy = false;
  }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;
  Status status() const {
    return acquired_
               ? Status::Ok()
               : Status::Internal("PostgreSQL connection used by two operations at once (one at a time)");
  }

 private:
  State& st_;
  bool acquired_;
};

// Waits until the socket is readable (or writable). Asio's reactor is
// edge-triggered and its waits are not speculative, so a readiness that came
// before the wait would be missed: poll() first. (The io thread runs the
// reactor, so nothing is lost between the poll and the wait's registration.)
Awaitable<Status> Wait(std::shared_ptr<State> st, bool write) {
  pollfd p{st->fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
  if (::poll(&p, 1, 0) > 0) co_return Status::Ok();  // ready, or hung up: libpq will say
  boost::system::error_code ec;
  const auto what =
      write ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read;
  co_await st->socket.async_wait(what, asio::redirect_error(asio::use_awaitable, ec));
  if (st->closed) co_return Closed();
  if (st->timed_out) co_return Status::Unavailable("timed out");
  if (ec) co_return Status::Unavailable("PostgreSQL socket: " + ec.message());
  co_return Status::Ok();
}

// Waits until the socket is readable or writable, whichever comes first.
Awaitable<Status> WaitEither(std::shared_ptr<State> st) {
  pollfd p{st->fd, POLLIN | POLLOUT, 0};
  if (::poll(&p, 1, 0) > 0) co_return Status::Ok();
  auto group = asio::experimental::make_parallel_group(
      st->socket.async_wait(asio::posix::stream_descriptor::wait_read, asio::deferred),
      st->socket.async_wait(asio::posix::stream_descriptor::wait_write, asio::deferred));
  auto [order, read_ec, write_ec] =
      co_await group.async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  if (st->closed) co_return Closed();
  boost::system::error_code ec = order[0] == 0 ? read_ec : write_ec;
  if (ec) co_return Status::Unavailable("PostgreSQL socket: " + ec.message());
  co_return Status::Ok();
}

// Sends what libpq has buffered. While the socket cannot take more, reads
// what the server sends: a server blocked on sending results to us stops
// reading, and waiting only to write would deadlock (libpq's advice).
Awaitable<Status> Flush(std::shared_ptr<State> st) {
  for (;;) {
    if (st->closed) co_return Closed();
    int r = PQflush(st->conn);
    if (r == 0) co_return Status::Ok();
    if (r < 0) co_return st->Lost();
    auto waited = co_await WaitEither(st);
    if (!waited.ok()) co_return waited;
    if (PQconsumeInput(st->conn) == 0) co_return st->Lost();
    st->CollectNotifications();
  }
}

// The next result of the command under way, nullptr at its end; reads the
// socket when libpq needs more, never blocking.
Awaitable<Result<PGresult*>> NextResult(std::shared_ptr<State> st) {
  for (;;) {
    if (st->closed) co_return Closed();
    if (PQisBusy(st->conn) == 0) co_return PQgetResult(st->conn);
    auto waited = co_await Wait(st, /*write=*/false);
    if (!waited.ok()) co_return waited;
    if (PQconsumeInput(st->conn) == 0) co_return st->Lost();
    st->CollectNotifications();
  }
}

// What Connect reports when libpq gave up: what to fix, with libpq's reason.
Status ConnectError(State& st) {
  std::string raw = st.Scrub(OneLine(PQerrorMessage(st.conn)));
  std::string reason = raw;
  // "connection to server at "h", port p failed: REASON"
  if (auto pos = reason.rfind("failed: "); pos != std::string::npos) reason = reason.substr(pos + 8);
  if (reason.starts_with("FATAL:  ")) reason = reason.substr(8);
  const char* host = PQhost(st.conn);
  const char* port = PQport(st.conn);
  const char* user = PQuser(st.conn);
  const char* db = PQdb(st.conn);
  std::string where = std::string(host != nullptr && *host != '\0' ? host : "localhost") + ":" +
                      (port != nullptr && *port != '\0' ? port : "5432");
  if (raw.find("password authentication failed") != std::string::npos ||
      raw.find("SASL authentication failed") != std::string::npos ||
      raw.find("no password supplied") != std::string::npos ||
      raw.find("authentication failed for user") != std::string::npos ||
      raw.find("no pg_hba.conf entry") != std::string::npos ||
      (raw.find("role \"") != std::string::npos && raw.find("does not exist") != std::string::npos)) {
    return Status::Unauthenticated("PostgreSQL refused the credentials for user " +
                                   std::string(user != nullptr ? user : "?") + " at " + where + ": " +
                                   reason);
  }
  if (raw.find("database \"") != std::string::npos && raw.find("does not exist") != std::string::npos) {
    return Status::NotFound("database " + std::string(db != nullptr ? db : "?") + " does not exist at " +
                            where + " (create it, or fix the database in the connection string)");
  }
  return Status::Unavailable("cannot reach PostgreSQL at " + where + ": " + reason);
}

}  // namespace

Connection::Connection(std::shared_ptr<State> state) : state_(std::move(state)) {}

Connection::~Connection() {
  if (state_) state_->Close();
}

Awaitable<Result<std::unique_ptr<Connection>>> Connection::Connect(asio::any_io_executor executor,
                                                                   std::string conninfo) {
  // Parse first: a malformed string is the caller's error, and this is where
  // the password and connect_timeout are learned.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    if (parse_error != nullptr) PQfreemem(parse_error);  // may quote the password
    co_return Status::InvalidArgument("invalid PostgreSQL connection string: " + Redact(conninfo));
  }
  std::string password, host, hostaddr, port;
  int timeout_seconds = kDefaultConnectTimeoutSeconds;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key = o->keyword;
    if (key == "password") password = o->val;
    if (key == "host") host = o->val;
    if (key == "hostaddr") hostaddr = o->val;
    if (key == "port") port = o->val;
    if (key == "connect_timeout") {
      std::string_view v = o->val;
      int t = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), t);
      if (ec != std::errc() || end != v.data() + v.size() || t < 0) {
        PQconninfoFree(options);
        co_return Status::InvalidArgument("invalid connect_timeout in " + Redact(conninfo));
      }
      timeout_seconds = t;  // 0: wait forever, as libpq
    }
  }
  PQconninfoFree(options);

  auto st = std::make_shared<State>(executor);
  st->password = std::move(password);
  // One deadline for the whole attempt: lookups, TCP, TLS, authentication.
  if (timeout_seconds > 0) {
    st->deadline.expires_after(std::chrono::seconds(timeout_seconds));
    st->deadline.async_wait([weak = std::weak_ptr<State>(st)](boost::system::error_code ec) {
      if (ec) return;
      auto s = weak.lock();
      if (!s || s->closed) return;
      s->timed_out = true;
      s->resolver.cancel();
      if (s->fd >= 0) s->socket.cancel(ec);
    });
  }
  auto timed_out = [&] {
    return Status::Unavailable("cannot reach PostgreSQL at " +
                               (host.empty() ? std::string("localhost") : host) +
                               (port.empty() ? "" : ":" + port) + ": no answer within " +
                               std::to_string(timeout_seconds) + " s (connect_timeout)");
  };
  auto resolved = co_await ResolveHosts(st->resolver, host, hostaddr, port);
  if (st->timed_out) co_return timed_out();
  if (!resolved.ok()) co_return resolved.status();

  // Keywords are applied in order, later ones winning: the keepalive defaults
  // come before the caller's string (which may set its own); with them a peer
  // that vanished without a word (a partition, a dead host) is noticed after
  // about a minute, not the kernel's two hours.
  std::vector<const char*> keys = {"keepalives_idle", "keepalives_interval", "keepalives_count", "dbname",
                                   "fallback_application_name"};
  std::vector<const char*> values = {"30", "10", "3", conninfo.c_str(), "tgate"};
  if (resolved->has_value()) {  // later keywords override the string's
    const HostOverride& o = **resolved;
    keys.insert(keys.end(), {"host", "hostaddr", "port"});
    values.insert(values.end(), {o.host.c_str(), o.hostaddr.c_str(), o.port.c_str()});
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  st->conn = PQconnectStartParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (st->conn == nullptr) co_return Status::Internal("libpq cannot allocate a connection");
  if (PQstatus(st->conn) == CONNECTION_BAD) co_return ConnectError(*st);
  PQsetNoticeProcessor(st->conn, LogNotice, nullptr);

  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  for (;;) {
    if (polling == PGRES_POLLING_OK) break;
    if (polling == PGRES_POLLING_FAILED) co_return ConnectError(*st);
    if (st->timed_out) break;
    TGATE_CO_RETURN_IF_ERROR(st->TrackSocket());
    auto waited = co_await Wait(st, polling == PGRES_POLLING_WRITING);
    if (st->timed_out) break;
    if (!waited.ok()) co_return waited;
    polling = PQconnectPoll(st->conn);
  }
  st->deadline.cancel();
  if (st->timed_out) co_return timed_out();
  if (PQsetnonblocking(st->conn, 1) != 0) {
    co_return Status::Internal("cannot make the PostgreSQL connection non-blocking: " +
                               st->Scrub(OneLine(PQerrorMessage(st->conn))));
  }
  TGATE_CO_RETURN_IF_ERROR(st->TrackSocket());
  st->backend_pid = PQbackendPID(st->conn);
  co_return std::unique_ptr<Connection>(new Connection(std::move(st)));
}

Awaitable<Result<Rows>> Connection::Query(std::string_view sql, const Params& params) {
  std::shared_ptr<State> st = state_;  // the Connection may go while this waits
  BusyGuard busy(*st);
  TGATE_CO_RETURN_IF_ERROR(busy.status());
  TGATE_CO_RETURN_IF_ERROR(st->Usable());
  st->sqlstate.clear();
  if (params.size() > 0) {
    // One statement, prepared (extended protocol): as a pipeline of one.
    const StatementRef one{sql, &params};
    TGATE_CO_ASSIGN_OR_RETURN(auto rows, co_await RunPipeline(st, std::span<const StatementRef>(&one, 1)));
    co_return std::move(rows.front());
  }
  std::string text(sql);
  if (PQsendQuery(st->conn, text.c_str()) == 0) co_return st->SendFailed();
  auto flushed = co_await Flush(st);
  if (!flushed.ok()) co_return flushed;

  std::optional<Status> error;
  Rows last;
  for (;;) {
    TGATE_CO_ASSIGN_OR_RETURN(PGresult * r, co_await NextResult(st));
    if (r == nullptr) break;
    Rows rows(r);
    switch (PQresultStatus(r)) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY:
        last = std::move(rows);
        break;
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        // Not supported; libpq would wait for COPY data forever.
        st->broken = true;
        st->broken_reason = "COPY is not supported";
        co_return Status::Internal("COPY is not supported by tgate's PostgreSQL client");
      default: {
        Status s = st->MapError(r);
        if (!error) error = std::move(s);
        if (st->broken) co_return *error;
        break;
      }
    }
  }
  st->CollectNotifications();
  if (PQstatus(st->conn) == CONNECTION_BAD) co_return st->Lost();
  if (error) co_return *error;
  co_return last;
}

Awaitable<Result<std::vector<Rows>>> Connection::Pipeline(const std::vector<Statement>& statements) {
  std::shared_ptr<State> st = state_;
  BusyGuard busy(*st);
  TGATE_CO_RETURN_IF_ERROR(busy.status());
  TGATE_CO_RETURN_IF_ERROR(st->Usable());
  st->sqlstate.clear();
  if (statements.empty()) co_return std::vector<Rows>{};
  std::vector<StatementRef> refs;
  refs.reserve(statements.size());
  for (const Statement& s : statements) refs.push_back(StatementRef{s.sql, &s.params});
  co_return co_await RunPipeline(st, refs);
}

namespace {

// What one command of a pipeline is: a statement's Parse (its results are
// not the caller's), or a statement run.
struct Command {
  bool prepare = false;
  const std::string* name = nullptr;  // the prepare's
  std::string_view sql;               // the prepare's
};

}  // namespace

Awaitable<Result<std::vector<Rows>>> Connection::RunPipeline(std::shared_ptr<State> st,
                                                             std::span<const StatementRef> statements) {
  if (PQenterPipelineMode(st->conn) == 0) co_return st->SendFailed();
  auto send_failed = [&]() -> Status {
    // Half a pipeline is queued: no way back to a known state.
    Status failed = st->SendFailed();
    st->broken = true;
    st->broken_reason = failed.message();
    return failed;
  };
  // Names given in this pipeline to statements not yet prepared: one
  // statement twice in it is prepared once. Kept in the session's map only
  // once the server answered its Parse.
  std::unordered_map<std::string_view, std::string> preparing;
  std::vector<Command> commands;
  commands.reserve(statements.size() + 4);
  for (const StatementRef& s : statements) {
    std::vector<const char*> values = s.params->Pointers();
    const int n = static_cast<int>(values.size());
    const std::string* name = nullptr;
    if (auto it = st->prepared.find(s.sql); it != st->prepared.end()) {
      name = &it->second;
    } else if (auto p = preparing.find(s.sql); p != preparing.end()) {
      name = &p->second;
    } else if (st->prepared.size() + preparing.size() < kMaxPrepared) {
      auto [added, _] = preparing.emplace(s.sql, "tgate_" + std::to_string(++st->prepares));
      name = &added->second;
      const std::string text(s.sql);
      if (PQsendPrepare(st->conn, name->c_str(), text.c_str(), n, nullptr) == 0) co_return send_failed();
      commands.push_back(Command{true, name, s.sql});
    }
    int sent = 0;
    if (name != nullptr) {
      sent = PQsendQueryPrepared(st->conn, name->c_str(), n, values.data(), nullptr, nullptr, 0);
    } else {
      const std::string text(s.sql);
      sent = PQsendQueryParams(st->conn, text.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
    }
    if (sent == 0) co_return send_failed();
    commands.push_back(Command{});
  }
  if (PQpipelineSync(st->conn) == 0) co_return send_failed();
  auto flushed = co_await Flush(st);
  if (!flushed.ok()) co_return flushed;

  // Each command's results end with a nullptr; then comes the sync.
  std::vector<Rows> out;
  out.reserve(statements.size());
  std::optional<Status> error;
  size_t ended = 0;
  bool synced = false;
  while (!synced) {
    TGATE_CO_ASSIGN_OR_RETURN(PGresult * r, co_await NextResult(st));
    if (r == nullptr) {
      if (PQstatus(st->conn) == CONNECTION_BAD) co_return st->Lost();
      if (++ended > commands.size()) {
        st->broken = true;
        st->broken_reason = "pipeline out of step";
        co_return Status::Internal("PostgreSQL pipeline out of step: no sync result");
      }
      continue;
    }
    Rows rows(r);
    const Command* command = ended < commands.size() ? &commands[ended] : nullptr;
    switch (PQresultStatus(r)) {
      case PGRES_PIPELINE_SYNC:
        synced = true;
        break;
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY:
        if (command != nullptr && command->prepare) {
          st->prepared.emplace(std::string(command->sql), *command->name);
        } else {
          out.push_back(std::move(rows));
        }
        break;
      case PGRES_PIPELINE_ABORTED:  // skipped after the error
        break;
      default: {
        std::string first_state = st->sqlstate;
        Status s = st->MapError(r);
        if (error) st->sqlstate = first_state;  // keep the first error's
        if (!error) error = std::move(s);
        if (st->broken) co_return *error;
        break;
      }
    }
  }
  if (PQexitPipelineMode(st->conn) == 0) {
    st->broken = true;
    st->broken_reason = "cannot leave pipeline mode";
    co_return Status::Internal("cannot leave PostgreSQL pipeline mode: " +
                               st->Scrub(OneLine(PQerrorMessage(st->conn))));
  }
  st->CollectNotifications();
  if (error) co_return *error;
  co_return out;
}

Awaitable<Status> Connection::Listen(std::string_view channel) {
  if (channel.empty() || channel.size() > 63) {
    co_return Status::InvalidArgument("LISTEN channel must have 1 to 63 characters");
  }
  for (char c : channel) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) co_return Status::InvalidArgument("LISTEN channel must be letters, digits and '_'");
  }
  // Quoted: the channel is matched exactly as given (pg_notify's spelling).
  std::string sql = "LISTEN \"" + std::string(channel) + "\"";
  auto r = co_await Query(sql);
  co_return r.status();
}

Awaitable<Result<Notification>> Connection::WaitNotification() {
  std::shared_ptr<State> st = state_;
  BusyGuard busy(*st);
  TGATE_CO_RETURN_IF_ERROR(busy.status());
  for (;;) {
    if (!st->notifications.empty()) {
      Notification n = std::move(st->notifications.front());
      st->notifications.pop_front();
      co_return n;
    }
    TGATE_CO_RETURN_IF_ERROR(st->Usable());
    if (PQconsumeInput(st->conn) == 0) co_return st->Lost();
    st->CollectNotifications();
    if (!st->notifications.empty()) continue;
    auto waited = co_await Wait(st, /*write=*/false);
    if (!waited.ok()) co_return waited;
  }
}

bool Connection::broken() const { return state_->broken || state_->closed; }

bool Connection::idle() const {
  return !state_->busy && state_->conn != nullptr && PQtransactionStatus(state_->conn) == PQTRANS_IDLE;
}

const std::string& Connection::sqlstate() const { return state_->sqlstate; }

int Connection::backend_pid() const { return state_->backend_pid; }

}  // namespace tgate::pg
