#include "pg/pool.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

#include "core/testing.h"
#include "pg/pg_test_util.h"

namespace tgate::pg {
namespace {

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = TestDatabase::Create();
    if (!db_) GTEST_SKIP() << kNoTestServer;
  }

  PooledConnection Get(Pool& pool) {
    auto c = RunAwait(io_, pool.Get());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : PooledConnection();
  }

  asio::io_context io_;
  std::unique_ptr<TestDatabase> db_;
};

TEST_F(PoolTest, ReusesAReturnedConnection) {
  Pool pool(io_.get_executor(), db_->url(), 2);
  EXPECT_EQ(pool.size(), 0u);
  int pid;
  {
    PooledConnection c = Get(pool);
    pid = c->backend_pid();
    EXPECT_EQ(pool.size(), 1u);
  }
  PooledConnection again = Get(pool);
  EXPECT_EQ(again->backend_pid(), pid);
  EXPECT_EQ(pool.size(), 1u);
  // A second one while the first is out: a new connection.
  PooledConnection other = Get(pool);
  EXPECT_NE(other->backend_pid(), pid);
  EXPECT_EQ(pool.size(), 2u);
  auto r = RunAwait(io_, other->Query("SELECT 1"));
  ASSERT_OK(r);
}

TEST_F(PoolTest, WaitersAreServedInOrderWhenConnectionsComeBack) {
  Pool pool(io_.get_executor(), db_->url(), 1);
  PooledConnection held = Get(pool);
  const int pid = held->backend_pid();

  std::vector<std::string> order;
  auto waiter = [](Pool* p, std::string name, std::vector<std::string>* log,
                   int want_pid) -> Awaitable<void> {
    auto c = co_await p->Get();
    EXPECT_OK(c);
    if (!c.ok()) co_return;
    EXPECT_EQ((*c)->backend_pid(), want_pid);
    log->push_back(name);
    auto r = co_await (*c)->Query("SELECT 1");
    EXPECT_OK(r);
    log->push_back(name + " done");
  };
  asio::co_spawn(io_, waiter(&pool, "first", &order, pid), asio::detached);
  asio::co_spawn(io_, waiter(&pool, "second", &order, pid), asio::detached);
  io_.restart();
  io_.poll();  // both are waiting now: the only connection is held
  EXPECT_TRUE(order.empty());
  EXPECT_EQ(pool.size(), 1u);

  held = PooledConnection();  // gives it back
  io_.restart();
  io_.run();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "first done", "second", "second done"}));
  EXPECT_EQ(pool.size(), 1u);
}

// Every connection held (as when each hangs on a silent database): a Get()
// gives up after max_wait with Unavailable, and leaves no trace in the queue:
// the connection given back later goes idle, not to the waiter that left.
TEST_F(PoolTest, AWaitForABusyPoolEndsAtMaxWait) {
  Pool pool(io_.get_executor(), db_->url(), 1, std::chrono::milliseconds(50));
  PooledConnection held = Get(pool);
  const int pid = held->backend_pid();

  auto waited = RunAwait(io_, pool.Get());
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.status().code(), Code::kUnavailable);
  EXPECT_NE(waited.status().message().find("no PostgreSQL connection came free in 50 ms (all 1 busy)"),
            std::string::npos)
      << waited.status().ToString();

  held = PooledConnection();  // gives it back: idle, nobody waits
  EXPECT_EQ(pool.size(), 1u);
  PooledConnection again = Get(pool);
  EXPECT_EQ(again->backend_pid(), pid);
  EXPECT_EQ(pool.size(), 1u);
}

TEST_F(PoolTest, ABrokenConnectionIsReplaced) {
  Pool pool(io_.get_executor(), db_->url(), 1);
  auto admin = RunAwait(io_, Connection::Connect(io_.get_executor(), db_->url()));
  ASSERT_OK(admin);
  int old_pid;
  {
    PooledConnection c = Get(pool);
    old_pid = c->backend_pid();
    ASSERT_OK(RunAwait(io_, (*admin)->Query("SELECT pg_terminate_backend($1)", Params().Add(old_pid))));
    auto r = RunAwait(io_, c->Query("SELECT 1"));
    EXPECT_EQ(r.status().code(), Code::kUnavailable);
    EXPECT_TRUE(c->broken());
  }
  EXPECT_EQ(pool.size(), 0u);  // dropped, not kept
  PooledConnection fresh = Get(pool);
  EXPECT_NE(fresh->backend_pid(), old_pid);
  ASSERT_OK(RunAwait(io_, fresh->Query("SELECT 1")));
}

// A user that stops between BEGIN and COMMIT (its coroutine destroyed) gives
// the connection back inside the transaction: the pool drops it (closing it
// rolls the transaction back) instead of running the next user's statements
// in it.
TEST_F(PoolTest, AConnectionGivenBackInsideATransactionIsDropped) {
  Pool pool(io_.get_executor(), db_->url(), 1);
  ASSERT_OK(RunAwait(io_, Get(pool)->Query("CREATE TABLE t (x int)")));
  int old_pid;
  {
    PooledConnection c = Get(pool);
    old_pid = c->backend_pid();
    ASSERT_OK(RunAwait(io_, c->Query("BEGIN")));
    ASSERT_OK(RunAwait(io_, c->Query("INSERT INTO t VALUES (1)")));
    EXPECT_FALSE(c->idle());
  }
  EXPECT_EQ(pool.size(), 0u);  // dropped, not kept
  PooledConnection fresh = Get(pool);
  EXPECT_NE(fresh->backend_pid(), old_pid);
  EXPECT_TRUE(fresh->idle());
  // The dropped transaction never committed.
  auto n = RunAwait(io_, fresh->Query("SELECT count(*) FROM t"));
  ASSERT_OK(n);
  EXPECT_EQ(n->Int64(0, 0), 0);
  // One that committed is reused.
  ASSERT_OK(RunAwait(io_, fresh->Query("BEGIN")));
  ASSERT_OK(RunAwait(io_, fresh->Query("COMMIT")));
  EXPECT_TRUE(fresh->idle());
}

TEST_F(PoolTest, ABrokenConnectionLetsAWaiterOpenANewOne) {
  Pool pool(io_.get_executor(), db_->url(), 1);
  auto admin = RunAwait(io_, Connection::Connect(io_.get_executor(), db_->url()));
  ASSERT_OK(admin);
  PooledConnection held = Get(pool);
  const int old_pid = held->backend_pid();
  ASSERT_OK(RunAwait(io_, (*admin)->Query("SELECT pg_terminate_backend($1)", Params().Add(old_pid))));
  EXPECT_FALSE(RunAwait(io_, held->Query("SELECT 1")).ok());
  std::optional<int> got_pid;
  asio::co_spawn(
      io_,
      [](Pool* p, std::optional<int>* out) -> Awaitable<void> {
        auto c = co_await p->Get();
        EXPECT_OK(c);
        if (c.ok()) out->emplace((*c)->backend_pid());
      }(&pool, &got_pid),
      asio::detached);
  io_.restart();
  io_.poll();  // it waits: the only slot is taken
  EXPECT_FALSE(got_pid.has_value());
  held = PooledConnection();
  io_.restart();
  io_.run();
  ASSERT_TRUE(got_pid.has_value());
  EXPECT_NE(*got_pid, old_pid);
}

TEST_F(PoolTest, UnreachableServerIsUnavailable) {
  int port;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  Pool pool(io_.get_executor(), "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres", 2);
  auto c = RunAwait(io_, pool.Get());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kUnavailable);
  EXPECT_NE(c.status().message().find("cannot reach PostgreSQL"), std::string::npos) << c.status().message();
  EXPECT_EQ(pool.size(), 0u);
}

TEST_F(PoolTest, HandedOutConnectionsOutliveThePool) {
  auto pool = std::make_unique<Pool>(io_.get_executor(), db_->url(), 1);
  PooledConnection held = Get(*pool);
  std::optional<Status> waiter_status;
  asio::co_spawn(
      io_,
      [](Pool* p, std::optional<Status>* out) -> Awaitable<void> {
        auto c = co_await p->Get();
        out->emplace(c.status());
      }(pool.get(), &waiter_status),
      asio::detached);
  io_.restart();
  io_.poll();
  pool.reset();
  io_.restart();
  io_.run();
  ASSERT_TRUE(waiter_status.has_value());
  EXPECT_EQ(waiter_status->code(), Code::kUnavailable);
  ASSERT_OK(RunAwait(io_, held->Query("SELECT 1")));
  held = PooledConnection();  // closes it: the pool is gone
}

}  // namespace
}  // namespace tgate::pg
