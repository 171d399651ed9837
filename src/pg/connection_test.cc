#include "pg/connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <limits>

#include "core/testing.h"
#include "pg/pg_test_util.h"

namespace tgate::pg {
namespace {

// The test server's TCP port (its URL names it: port=N).
int TestServerPort() {
  PQconninfoOption* options = PQconninfoParse(PgTestUrl().c_str(), nullptr);
  int port = 0;
  for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "port" && o->val != nullptr) port = std::atoi(o->val);
  }
  PQconninfoFree(options);
  return port;
}

// A TCP socket on 127.0.0.1, listening (or only bound), never accepting.
class LocalSocket {
 public:
  explicit LocalSocket(bool listen) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (listen) ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~LocalSocket() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = TestDatabase::Create();
    if (!db_) GTEST_SKIP() << kNoTestServer;
  }

  std::unique_ptr<Connection> Open() {
    auto c = RunAwait(io_, Connection::Connect(io_.get_executor(), db_->url()));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  Result<Rows> Run(Connection& c, std::string_view sql, const Params& params = {}) {
    return RunAwait(io_, c.Query(sql, params));
  }

  asio::io_context io_;
  std::unique_ptr<TestDatabase> db_;
};

TEST_F(ConnectionTest, ConnectsAndQueries) {
  auto c = Open();
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->broken());
  EXPECT_GT(c->backend_pid(), 0);
  auto r = Run(*c, "SELECT 1, 'one'");
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 1);
  ASSERT_EQ(r->columns(), 2);
  EXPECT_EQ(r->Int64(0, 0), 1);
  EXPECT_EQ(r->Text(0, 1), "one");
}

TEST_F(ConnectionTest, PasswordOverTcp) {
  std::string good =
      "postgresql://tgate_pw_user:tgate-test-password@127.0.0.1:" + std::to_string(TestServerPort()) +
      "/postgres";
  auto ok = RunAwait(io_, Connection::Connect(io_.get_executor(), good));
  ASSERT_OK(ok);

  std::string bad =
      "postgresql://tgate_pw_user:Wr0ng-S3cret-pw@127.0.0.1:" + std::to_string(TestServerPort()) +
      "/postgres";
  auto r = RunAwait(io_, Connection::Connect(io_.get_executor(), bad));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
  EXPECT_NE(r.status().message().find("refused the credentials for user tgate_pw_user"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("Wr0ng-S3cret-pw"), std::string::npos) << r.status().message();
}

TEST_F(ConnectionTest, HostNamesAreLookedUp) {
  std::string url =
      "postgresql://tgate_pw_user:tgate-test-password@localhost:" + std::to_string(TestServerPort()) +
      "/postgres";
  auto c = RunAwait(io_, Connection::Connect(io_.get_executor(), url));
  ASSERT_OK(c);
  ASSERT_OK(RunAwait(io_, (*c)->Query("SELECT 1")));
}

// TCP_KEEPIDLE of this process's socket connected to 127.0.0.1:`port`, -1 if
// there is none.
int KeepIdleOfSocketTo(int port) {
  for (int fd = 3; fd < 4096; ++fd) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 || peer.sin_family != AF_INET ||
        ntohs(peer.sin_port) != port) {
      continue;
    }
    int on = 0, idle = 0;
    len = sizeof on;
    ::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len);
    len = sizeof idle;
    ::getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &len);
    return on ? idle : 0;
  }
  return -1;
}

TEST_F(ConnectionTest, TcpKeepalivesNoticeADeadPeerWithinAMinute) {
  const int port = TestServerPort();
  std::string url =
      "postgresql://tgate_pw_user:tgate-test-password@127.0.0.1:" + std::to_string(port) + "/postgres";
  {
    auto c = RunAwait(io_, Connection::Connect(io_.get_executor(), url));
    ASSERT_OK(c);
    EXPECT_EQ(KeepIdleOfSocketTo(port), 30);
  }
  auto custom = RunAwait(io_, Connection::Connect(io_.get_executor(), url + "?keepalives_idle=45"));
  ASSERT_OK(custom);
  EXPECT_EQ(KeepIdleOfSocketTo(port), 45);  // the connection string wins
}

TEST_F(ConnectionTest, ClosedPortIsUnavailable) {
  int port;
  {
    LocalSocket bound(/*listen=*/false);  // a free port, closed again below
    port = bound.port();
  }
  std::string url = "postgresql://postgres:S3cretPw@127.0.0.1:" + std::to_string(port) + "/postgres";
  auto r = RunAwait(io_, Connection::Connect(io_.get_executor(), url));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot reach PostgreSQL at 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("S3cretPw"), std::string::npos);
}

TEST_F(ConnectionTest, SilentServerTimesOut) {
  LocalSocket silent(/*listen=*/true);  // the kernel accepts; nobody answers
  std::string url =
      "postgresql://postgres@127.0.0.1:" + std::to_string(silent.port()) + "/postgres?connect_timeout=1";
  auto r = RunAwait(io_, Connection::Connect(io_.get_executor(), url));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("connect_timeout"), std::string::npos) << r.status().message();
}

TEST_F(ConnectionTest, UnknownDatabaseIsNotFound) {
  auto r = RunAwait(io_, Connection::Connect(io_.get_executor(), WithDatabase(PgTestUrl(), "no_such_db_x")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound) << r.status().ToString();
  EXPECT_NE(r.status().message().find("database no_such_db_x does not exist"), std::string::npos)
      << r.status().message();
}

TEST_F(ConnectionTest, MalformedConninfoIsInvalidArgument) {
  auto r = RunAwait(io_, Connection::Connect(io_.get_executor(), "postgresql://u:p4ss@h/db?nonsense=1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message().find("p4ss"), std::string::npos) << r.status().message();
}

TEST_F(ConnectionTest, ParametersRoundTrip) {
  auto c = Open();
  ASSERT_TRUE(c);
  const std::string text = "it's \"quoted\"; -- ünïcødé 😀 \\ $1";
  Params p;
  p.Add(text).AddNull().Add(std::numeric_limits<int64_t>::min()).Add(std::numeric_limits<int64_t>::max());
  p.Add(true).Add(std::optional<int64_t>()).Add(std::optional<std::string>("x"));
  auto r = Run(*c, "SELECT $1::text, $2::text, $3::bigint, $4::bigint, $5::bool, $6::bigint, $7::text", p);
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 1);
  EXPECT_EQ(r->Text(0, 0), text);
  EXPECT_TRUE(r->IsNull(0, 1));
  EXPECT_EQ(r->Text(0, 1), "");
  EXPECT_EQ(r->Int64(0, 2), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(r->Int64(0, 3), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(r->Bool(0, 4));
  EXPECT_TRUE(r->IsNull(0, 5));
  EXPECT_EQ(r->Int64(0, 5), 0);
  EXPECT_EQ(r->Text(0, 6), "x");
  // The text went in as a value, not as SQL.
  auto eq = Run(*c, "SELECT $1::text = $2::text", Params().Add(text).Add(text));
  ASSERT_OK(eq);
  EXPECT_TRUE(eq->Bool(0, 0));
}

TEST_F(ConnectionTest, AffectedRowsAndMultiStatement) {
  auto c = Open();
  ASSERT_TRUE(c);
  ASSERT_OK(Run(*c, "CREATE TABLE t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)"));
  auto del = Run(*c, "DELETE FROM t WHERE id >= $1", Params().Add(2));
  ASSERT_OK(del);
  EXPECT_EQ(del->affected(), 2);
  EXPECT_TRUE(del->empty());
  auto last = Run(*c, "SELECT 1; SELECT count(*) FROM t");
  ASSERT_OK(last);
  EXPECT_EQ(last->Int64(0, 0), 1);
}

TEST_F(ConnectionTest, ErrorsMapBySqlstate) {
  auto c = Open();
  ASSERT_TRUE(c);
  ASSERT_OK(Run(*c, "CREATE TABLE u (id bigint PRIMARY KEY, name text NOT NULL)"));
  ASSERT_OK(Run(*c, "INSERT INTO u VALUES (1, 'a')"));

  auto dup = Run(*c, "INSERT INTO u VALUES ($1, 'b')", Params().Add(1));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kConflict);
  EXPECT_EQ(c->sqlstate(), "23505");
  EXPECT_NE(dup.status().message().find("duplicate key"), std::string::npos) << dup.status().message();
  EXPECT_FALSE(c->broken());

  auto null = Run(*c, "INSERT INTO u VALUES (2, NULL)");
  EXPECT_EQ(null.status().code(), Code::kUnprocessable);
  EXPECT_EQ(c->sqlstate(), "23502");

  auto fence = Run(*c, "DO $$ BEGIN RAISE EXCEPTION 'fenced' USING ERRCODE = 'TG001'; END $$");
  EXPECT_EQ(fence.status().code(), Code::kConflict);
  EXPECT_EQ(fence.status().message(), "fenced");
  EXPECT_EQ(c->sqlstate(), "TG001");

  auto retry = Run(*c, "DO $$ BEGIN RAISE EXCEPTION 'again' USING ERRCODE = '40001'; END $$");
  EXPECT_EQ(retry.status().code(), Code::kUnavailable);
  EXPECT_FALSE(c->broken());

  auto syntax = Run(*c, "SELEC 1");
  EXPECT_EQ(syntax.status().code(), Code::kInternal);
  EXPECT_EQ(c->sqlstate(), "42601");

  // The connection is fine after all of them.
  auto ok = Run(*c, "SELECT count(*) FROM u");
  ASSERT_OK(ok);
  EXPECT_EQ(ok->Int64(0, 0), 1);
  EXPECT_EQ(c->sqlstate(), "");
}

TEST_F(ConnectionTest, PipelineReturnsEveryResult) {
  auto c = Open();
  ASSERT_TRUE(c);
  ASSERT_OK(Run(*c, "CREATE TABLE p (id bigint PRIMARY KEY)"));
  auto r = RunAwait(io_, c->Pipeline({{"INSERT INTO p VALUES ($1)", Params().Add(1)},
                                      {"INSERT INTO p VALUES ($1), ($2)", Params().Add(2).Add(3)},
                                      {"SELECT count(*) FROM p", {}}}));
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].affected(), 1);
  EXPECT_EQ((*r)[1].affected(), 2);
  EXPECT_EQ((*r)[2].Int64(0, 0), 3);
}

TEST_F(ConnectionTest, PipelineErrorRollsBackTheEarlierStatements) {
  auto c = Open();
  ASSERT_TRUE(c);
  ASSERT_OK(Run(*c, "CREATE TABLE p (id bigint PRIMARY KEY); INSERT INTO p VALUES (7)"));
  auto r = RunAwait(io_, c->Pipeline({{"INSERT INTO p VALUES ($1)", Params().Add(1)},
                                      {"INSERT INTO p VALUES ($1)", Params().Add(2)},
                                      {"INSERT INTO p VALUES ($1)", Params().Add(7)}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(c->sqlstate(), "23505");
  EXPECT_FALSE(c->broken());
  auto count = Run(*c, "SELECT count(*) FROM p");
  ASSERT_OK(count);
  EXPECT_EQ(count->Int64(0, 0), 1);  // only the 7 from before
  // And the connection left pipeline mode: a multi-statement query works.
  ASSERT_OK(Run(*c, "SELECT 1; SELECT 2"));
}

TEST_F(ConnectionTest, PipelineInsideAnExplicitTransaction) {
  auto c = Open();
  ASSERT_TRUE(c);
  ASSERT_OK(Run(*c, "CREATE TABLE p (id bigint PRIMARY KEY)"));
  // Committed together with the statements around it.
  ASSERT_OK(Run(*c, "BEGIN"));
  ASSERT_OK(Run(*c, "INSERT INTO p VALUES (1)"));
  ASSERT_OK(RunAwait(io_, c->Pipeline({{"INSERT INTO p VALUES ($1)", Params().Add(2)}})));
  ASSERT_OK(Run(*c, "COMMIT"));
  // A failed pipeline leaves the transaction aborted; ROLLBACK undoes it all.
  ASSERT_OK(Run(*c, "BEGIN"));
  ASSERT_OK(Run(*c, "INSERT INTO p VALUES (3)"));
  auto r = RunAwait(io_, c->Pipeline({{"INSERT INTO p VALUES ($1)", Params().Add(4)},
                                      {"INSERT INTO p VALUES ($1)", Params().Add(1)}}));
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(Run(*c, "SELECT 1").status().code(), Code::kInternal);  // 25P02: transaction aborted
  EXPECT_EQ(c->sqlstate(), "25P02");
  ASSERT_OK(Run(*c, "ROLLBACK"));
  auto ids = Run(*c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM p");
  ASSERT_OK(ids);
  EXPECT_EQ(ids->Text(0, 0), "1,2");
}

TEST_F(ConnectionTest, LargePipelineDoesNotDeadlock) {
  // Megabytes each way: libpq's send buffer fills while the server, blocked
  // on sending its results, stops reading; the client must read meanwhile.
  auto c = Open();
  ASSERT_TRUE(c);
  const std::string big(256 * 1024, 'x');
  std::vector<Statement> statements;
  for (int i = 0; i < 64; ++i)
    statements.push_back({"SELECT $1::text || $2::text", Params().Add(big).Add(i)});
  auto r = RunAwait(io_, c->Pipeline(statements));
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), statements.size());
  EXPECT_EQ((*r)[63].Text(0, 0), big + "63");
}

// (pg_prepared_statements is the session's own view, read below by the
// simple protocol, which prepares nothing.)

// A statement with parameters is prepared on its first run and runs by name
// after: once in the session, however often it runs, alone or several times
// in one pipeline, and whatever its parameters.
TEST_F(ConnectionTest, AStatementIsPreparedOnceAndRunByNameAfter) {
  auto c = Open();
  ASSERT_TRUE(c);
  ASSERT_OK(Run(*c, "CREATE TABLE p (id bigint PRIMARY KEY, note text)"));
  const std::string insert = "INSERT INTO p VALUES ($1, $2)";
  for (int i = 1; i <= 10; ++i) ASSERT_OK(Run(*c, insert, Params().Add(i).Add("n" + std::to_string(i))));
  auto one = Run(*c, "SELECT count(*) FROM pg_prepared_statements");
  ASSERT_OK(one);
  EXPECT_EQ(one->Int64(0, 0), 1);
  // In one pipeline: a new statement three times (prepared once), the known one.
  const std::string select = "SELECT note FROM p WHERE id = $1";
  auto r = RunAwait(io_, c->Pipeline({{select, Params().Add(3)},
                                      {insert, Params().Add(11).Add("eleven")},
                                      {select, Params().Add(11)},
                                      {select, Params().Add(99)}}));
  ASSERT_OK(r);
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].Text(0, 0), "n3");
  EXPECT_EQ((*r)[1].affected(), 1);
  EXPECT_EQ((*r)[2].Text(0, 0), "eleven");
  EXPECT_TRUE((*r)[3].empty());
  auto two = Run(*c, "SELECT count(*) FROM pg_prepared_statements");
  ASSERT_OK(two);
  EXPECT_EQ(two->Int64(0, 0), 2);
}

// A statement the server refuses to prepare is not kept: it fails again the
// same way, and the session goes on. Past kMaxPrepared statements the rest
// run unprepared, and still run.
TEST_F(ConnectionTest, ARefusedStatementIsNotKeptAndTheCountIsBounded) {
  auto c = Open();
  ASSERT_TRUE(c);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto bad = Run(*c, "SELECT nosuchcolumn FROM pg_class WHERE oid = $1", Params().Add(1));
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(c->sqlstate(), "42703");
    EXPECT_FALSE(c->broken());
  }
  auto none = Run(*c, "SELECT count(*) FROM pg_prepared_statements");
  ASSERT_OK(none);
  EXPECT_EQ(none->Int64(0, 0), 0);
  const size_t n = Connection::kMaxPrepared + 20;
  for (size_t i = 0; i < n; ++i) {
    auto r = Run(*c, "SELECT $1::bigint + " + std::to_string(i), Params().Add(int64_t{1}));
    ASSERT_OK(r);
    ASSERT_EQ(r->Int64(0, 0), static_cast<int64_t>(i) + 1);
  }
  auto count = Run(*c, "SELECT count(*) FROM pg_prepared_statements");
  ASSERT_OK(count);
  EXPECT_EQ(count->Int64(0, 0), static_cast<int64_t>(Connection::kMaxPrepared));
}

// Another instance migrating the schema can change what a prepared
// statement returns: the server then refuses to run it. The connection is
// broken (the pool makes a new one, which prepares anew) and the error says
// to retry.
TEST_F(ConnectionTest, AStatementThatOutlivedASchemaChangeBreaksItsConnection) {
  auto c = Open();
  auto other = Open();
  ASSERT_TRUE(c && other);
  ASSERT_OK(Run(*c, "CREATE TABLE p (id bigint PRIMARY KEY); INSERT INTO p VALUES (1)"));
  const std::string select = "SELECT * FROM p WHERE id = $1";
  ASSERT_OK(Run(*c, select, Params().Add(1)));
  ASSERT_OK(Run(*other, "ALTER TABLE p ADD COLUMN note text"));
  auto r = Run(*c, select, Params().Add(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(c->broken());
  auto fresh = Open();
  ASSERT_TRUE(fresh);
  auto again = Run(*fresh, select, Params().Add(1));
  ASSERT_OK(again);
  EXPECT_EQ(again->columns(), 2);
}

TEST_F(ConnectionTest, NotificationsArriveQueuedAndLive) {
  auto listener = Open();
  auto sender = Open();
  ASSERT_TRUE(listener && sender);
  ASSERT_OK(RunAwait(io_, listener->Listen("tgate_events")));
  EXPECT_EQ(RunAwait(io_, listener->Listen("bad-channel")).code(), Code::kInvalidArgument);

  // Sent before anyone waits: queued.
  ASSERT_OK(Run(*sender, "SELECT pg_notify('tgate_events', 'one'); SELECT pg_notify('tgate_events', 'two')"));
  auto one = RunAwait(io_, listener->WaitNotification());
  ASSERT_OK(one);
  EXPECT_EQ(one->channel, "tgate_events");
  EXPECT_EQ(one->payload, "one");
  auto two = RunAwait(io_, listener->WaitNotification());
  ASSERT_OK(two);
  EXPECT_EQ(two->payload, "two");

  // Sent while the listener waits.
  std::optional<Result<Notification>> live;
  asio::co_spawn(
      io_,
      [](Connection* l, std::optional<Result<Notification>>* out) -> Awaitable<void> {
        out->emplace(co_await l->WaitNotification());
      }(listener.get(), &live),
      asio::detached);
  asio::co_spawn(
      io_,
      [](Connection* s) -> Awaitable<void> {
        // (Arguments of a co_await'ed call are named: GCC 12 mishandles temporaries there.)
        Params params;
        params.Add("three");
        auto r = co_await s->Query("SELECT pg_notify('tgate_events', $1)", params);
        EXPECT_OK(r);
      }(sender.get()),
      asio::detached);
  io_.restart();
  io_.run();
  ASSERT_TRUE(live.has_value());
  ASSERT_OK(*live);
  EXPECT_EQ((*live)->payload, "three");
}

TEST_F(ConnectionTest, OverlappingOperationsAreRefused) {
  auto c = Open();
  ASSERT_TRUE(c);
  std::optional<Result<Rows>> first, second;
  // The first one sleeps on the server, so it is surely still under way when
  // the second starts (a bare SELECT 1 may be answered before the first
  // coroutine yields).
  auto query = [](Connection* conn, const char* sql, std::optional<Result<Rows>>* out) -> Awaitable<void> {
    out->emplace(co_await conn->Query(sql));
  };
  asio::co_spawn(io_, query(c.get(), "SELECT pg_sleep(0.2)", &first), asio::detached);
  asio::co_spawn(io_, query(c.get(), "SELECT 1", &second), asio::detached);
  io_.restart();
  io_.run();
  ASSERT_TRUE(first && second);
  EXPECT_OK(*first);
  EXPECT_EQ(second->status().code(), Code::kInternal);
  EXPECT_FALSE(c->broken());
  ASSERT_OK(Run(*c, "SELECT 1"));  // free again
}

TEST_F(ConnectionTest, TerminatedBackendBreaksTheConnection) {
  auto victim = Open();
  auto admin = Open();
  ASSERT_TRUE(victim && admin);
  ASSERT_OK(Run(*admin, "SELECT pg_terminate_backend($1)", Params().Add(victim->backend_pid())));
  auto r = Run(*victim, "SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(victim->broken());
  auto again = Run(*victim, "SELECT 1");
  EXPECT_EQ(again.status().code(), Code::kUnavailable);
}

TEST_F(ConnectionTest, TerminatedListenerStopsWaiting) {
  auto listener = Open();
  auto admin = Open();
  ASSERT_TRUE(listener && admin);
  ASSERT_OK(RunAwait(io_, listener->Listen("tgate_events")));
  std::optional<Result<Notification>> got;
  asio::co_spawn(
      io_,
      [](Connection* l, std::optional<Result<Notification>>* out) -> Awaitable<void> {
        out->emplace(co_await l->WaitNotification());
      }(listener.get(), &got),
      asio::detached);
  asio::co_spawn(
      io_,
      [](Connection* a, int pid) -> Awaitable<void> {
        Params params;
        params.Add(pid);
        auto r = co_await a->Query("SELECT pg_terminate_backend($1)", params);
        EXPECT_OK(r);
      }(admin.get(), listener->backend_pid()),
      asio::detached);
  io_.restart();
  io_.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status().code(), Code::kUnavailable);
  EXPECT_TRUE(listener->broken());
}

TEST_F(ConnectionTest, DestroyedWhileQueryingResumesTheWaiter) {
  auto c = Open();
  ASSERT_TRUE(c);
  std::optional<Result<Rows>> got;
  asio::co_spawn(
      io_,
      [](Connection* conn, std::optional<Result<Rows>>* out) -> Awaitable<void> {
        out->emplace(co_await conn->Query("SELECT pg_sleep(5)"));
      }(c.get(), &got),
      asio::detached);
  // Runs once the query is sent and its coroutine waits for the answer.
  asio::co_spawn(
      io_,
      [](std::unique_ptr<Connection>* conn) -> Awaitable<void> {
        conn->reset();
        co_return;
      }(&c),
      asio::detached);
  io_.restart();
  io_.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status().code(), Code::kUnavailable) << got->status().ToString();
}

TEST(RedactTest, MasksPasswords) {
  EXPECT_EQ(Redact("postgresql://u:s3cret@db.example:5432/tgate?sslmode=require"),
            "postgresql://u:***@db.example:5432/tgate?sslmode=require");
  EXPECT_EQ(Redact("postgres://u@h/db?password=s3cret&application_name=x"),
            "postgres://u@h/db?password=***&application_name=x");
  EXPECT_EQ(Redact("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(Redact("host=h password=s3cret user=u"), "host=h password=*** user=u");
  EXPECT_EQ(Redact("host=h password = 'a b\\' c' dbname=x"), "host=h password = *** dbname=x");
  EXPECT_TRUE(IsPostgresUrl("postgresql://x"));
  EXPECT_TRUE(IsPostgresUrl("postgres://x"));
  EXPECT_FALSE(IsPostgresUrl("/var/lib/tgate.db"));
}

}  // namespace
}  // namespace tgate::pg
