// Connection: one PostgreSQL connection driven by libpq's non-blocking API
// from an Asio executor, so a query never blocks the io thread: the socket is
// watched with a posix::stream_descriptor, PQconsumeInput/PQisBusy read what
// arrived, PQflush writes what is pending. Statements with parameters, and
// every statement of a Pipeline, go by the extended protocol (text
// parameters, text results), each prepared on its first use in the session
// (a Parse in the same round trip as its first run) and run by name after:
// the server parses and, once it settles on a generic plan, plans a
// statement once per connection instead of at every run (pgbench on one
// connection: a webhook update's two statements 229 us unprepared, 75
// prepared). At most
// kMaxPrepared statements per session; others run unprepared. A batch goes
// in pipeline mode: every statement of it sent at once, one round trip, one
// implicit transaction. LISTEN notifications are collected as they arrive.
//
// Not a pool (pool.h) and not the store's SQL (store/pg_store.h). One
// operation at a time: Query, Pipeline and WaitNotification must not overlap
// on one connection (the pool hands a connection to one user at a time;
// WaitNotification is for a dedicated listening connection).
//
// Errors come back as Status, never as exceptions, and never carry the
// password of the connection string:
//  - the server unreachable, the connection lost (also mid-query):
//    Unavailable; the connection is then broken() for good;
//  - wrong credentials or an unknown database: Unauthenticated / NotFound
//    at Connect, with the server's message;
//  - a statement's error: by SQLSTATE (sqlstate() keeps it): 23505
//    unique_violation -> Conflict; 40001 serialization_failure and 40P01
//    deadlock_detected -> Unavailable (retry); 57P01 admin_shutdown and
//    class 08 connection exceptions -> Unavailable (broken); 23xxx other
//    integrity violations -> Unprocessable; a prepared statement whose
//    result changed shape under it (another instance migrated the schema)
//    -> Unavailable (broken: a new connection prepares anew); others ->
//    Internal.
//    The message is the server's primary message (PQresultErrorField).
//
// Lifetime: operations hold the connection's shared state, so destroying the
// Connection while a coroutine awaits one of its operations is safe: the
// awaiting coroutine resumes with Unavailable. Threading: one executor (the
// io thread, app/threads.h).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "pg/params.h"
#include "pg/rows.h"

namespace tgate::pg {

struct Statement {
  std::string sql;
  Params params;
};

struct Notification {
  std::string channel;
  std::string payload;
};

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects (PQconnectStartParams with expand_dbname, then PQconnectPoll on
  // the socket) without blocking. `conninfo` is a URL
  // (postgresql://user:pw@host:port/db?...) or key=value pairs.
  static Awaitable<Result<std::unique_ptr<Connection>>> Connect(asio::any_io_executor executor,
                                                                std::string conninfo);

  // Runs one statement. For a statement without parameters, several
  // statements separated by ';' may be given (simple protocol): the result
  // is the last one's.
  Awaitable<Result<Rows>> Query(std::string_view sql, const Params& params = {});
  // Sends every statement in pipeline mode followed by one sync, then reads
  // every result: one round trip, and (outside an explicit transaction) one
  // implicit transaction: the first error aborts the rest and rolls all of
  // them back; the Status is that error's.
  Awaitable<Result<std::vector<Rows>>> Pipeline(const std::vector<Statement>& statements);

  // LISTEN channel (an identifier: letters, digits, '_').
  Awaitable<Status> Listen(std::string_view channel);
  // The next notification (queued ones first). Unavailable if the connection
  // is lost meanwhile.
  Awaitable<Result<Notification>> WaitNotification();

  // The connection failed for good (the pool discards it).
  bool broken() const;
  // Ready for the next user: no operation under way and outside any
  // transaction (PQtransactionStatus IDLE). A connection handed back while
  // not idle (its user stopped between BEGIN and COMMIT) must not be reused.
  bool idle() const;
  // SQLSTATE of the last statement error ("" if none): for callers that tell
  // one constraint's violation from another's.
  const std::string& sqlstate() const;
  // The server's backend process id (for pg_terminate_backend in tests).
  int backend_pid() const;

  struct State;

  // Statements one session keeps prepared, at most.
  static constexpr size_t kMaxPrepared = 256;

 private:
  struct StatementRef {
    std::string_view sql;
    const Params* params;
  };
  explicit Connection(std::shared_ptr<State> state);
  // Pipeline's work, for an operation under way (its BusyGuard held).
  static Awaitable<Result<std::vector<Rows>>> RunPipeline(std::shared_ptr<State> st,
                                                          std::span<const StatementRef> statements);
  std::shared_ptr<State> state_;
};

// `conninfo` with any password replaced by "***": for logs and errors.
std::string Redact(std::string_view conninfo);

// True if `db` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgresUrl(std::string_view db);

}  // namespace tgate::pg
