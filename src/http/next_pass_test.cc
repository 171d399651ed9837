// NextPass on a polled io_context, and the Client reading its answers at the
// next round through it, against a real Server on loopback.
#include "http/next_pass.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "core/testing.h"
#include "http/client.h"
#include "http/server.h"

namespace tgate::http {
namespace {

using namespace std::chrono_literals;

// Polls `ioc` until `done` or 5 s pass.
void PollUntil(asio::io_context& ioc, const bool& done) {
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (!done && std::chrono::steady_clock::now() < give_up) {
    ioc.poll();
    if (!done) std::this_thread::sleep_for(1ms);
  }
}

TEST(NextPass, AWaiterGoesOnOnlyAtTheNextReleaseAndOneParkedMeanwhileAtTheOneAfter) {
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  NextPass& pass = NextPass::Of(ioc);
  EXPECT_EQ(&pass, &NextPass::Of(ioc)) << "one per io_context";
  int rounds = 0;
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        co_await pass.Wait(kUseAwaitable);
        ++rounds;
        co_await pass.Wait(kUseAwaitable);  // parks during the Release that let it on
        ++rounds;
      },
      asio::detached);
  for (int i = 0; i < 3; ++i) ioc.poll();
  EXPECT_EQ(rounds, 0) << "polling alone lets no waiter on";
  EXPECT_EQ(pass.parked(), 1u);
  pass.Release();
  ioc.poll();
  EXPECT_EQ(rounds, 1);
  EXPECT_EQ(pass.parked(), 1u);
  ioc.poll();
  EXPECT_EQ(rounds, 1) << "a waiter that parked during a Release waits for the next";
  pass.Release();
  ioc.poll();
  EXPECT_EQ(rounds, 2);
  EXPECT_EQ(pass.parked(), 0u);
  pass.Release();  // nobody waits: nothing happens
}

TEST(NextPass, AWaiterStillParkedWhenTheIoContextGoesIsDestroyedNotResumed) {
  auto alive = std::make_shared<int>(0);
  bool resumed = false;
  {
    asio::io_context ioc;
    asio::co_spawn(
        ioc,
        [&, held = alive]() -> Awaitable<void> {
          co_await NextPass::Of(ioc).Wait(kUseAwaitable);
          resumed = true;
          (void)held;
        },
        asio::detached);
    ioc.poll();
    EXPECT_EQ(alive.use_count(), 2) << "the parked coroutine holds it";
  }
  EXPECT_FALSE(resumed);
  EXPECT_EQ(alive.use_count(), 1) << "its frame was destroyed with the io_context";
}

TEST(NextPass, TheClientReadsItsAnswerOnlyAtTheNextRound) {
  // One io_context for the server and the client, polled as the dispatcher
  // polls its answers context.
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  int handled = 0;
  Server server(ioc.get_executor(), ServerOptions{}, [&](Request req) -> Awaitable<Response> {
    ++handled;
    co_return TextResponse(req, 200, "answer to " + std::string(req.target()));
  });
  ASSERT_OK(server.Start());
  NextPass& pass = NextPass::Of(ioc);
  Client client(ioc.get_executor(),
                ClientOptions{.base_url = "http://127.0.0.1:" + std::to_string(server.port()),
                              .read_at_next_pass = &pass});
  ASSERT_OK(client.Init());
  bool done = false;
  std::string body;
  asio::co_spawn(
      ioc,
      [&]() -> Awaitable<void> {
        for (const char* target : {"/first", "/second"}) {  // the second on the kept-alive connection
          auto r = co_await client.Send(bhttp::verb::get, target, "", "");
          EXPECT_OK(r);
          if (r.ok()) body += r->body + ";";
        }
        done = true;
      },
      asio::detached);
  for (int expected = 1; expected <= 2; ++expected) {
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (handled < expected && std::chrono::steady_clock::now() < give_up) ioc.poll();
    ASSERT_EQ(handled, expected) << "the request was written and answered";
    for (int i = 0; i < 50; ++i) {  // 50 ms of rounds without a Release
      ioc.poll();
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(pass.parked(), 1u) << "the answer waits, unread, for the next round";
    EXPECT_EQ(body.size(), expected == 1 ? 0u : std::string("answer to /first;").size());
    pass.Release();
  }
  PollUntil(ioc, done);
  EXPECT_TRUE(done);
  EXPECT_EQ(body, "answer to /first;answer to /second;");
  EXPECT_EQ(client.open_connections(), 1u);
  server.Stop();
}

TEST(NextPass, ASendParkedWithItsRequestWrittenGoesWithTheIoContext) {
  // As tgate serve's shutdown can leave it: the request written, the answer
  // never read, nobody releasing any more. The NextPass is made before the
  // sockets (as BotRuntime makes it), so Asio shuts down the reactor first
  // and the NextPass then destroys the parked Send with its connection.
  int handled = 0;
  bool finished = false;
  {
    asio::io_context ioc;
    auto work = asio::make_work_guard(ioc);
    NextPass& pass = NextPass::Of(ioc);
    Server server(ioc.get_executor(), ServerOptions{}, [&](Request req) -> Awaitable<Response> {
      ++handled;
      co_return TextResponse(req, 200, "never read");
    });
    ASSERT_OK(server.Start());
    auto client = std::make_unique<Client>(
        ioc.get_executor(), ClientOptions{.base_url = "http://127.0.0.1:" + std::to_string(server.port()),
                                          .read_at_next_pass = &pass});
    ASSERT_OK(client->Init());
    asio::co_spawn(
        ioc,
        [&]() -> Awaitable<void> {
          (void)co_await client->Send(bhttp::verb::get, "/x", "", "");
          finished = true;
        },
        asio::detached);
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (handled == 0 && std::chrono::steady_clock::now() < give_up) ioc.poll();
    ASSERT_EQ(pass.parked(), 1u);
    client.reset();  // the parked Send keeps what it uses alive
    server.Stop();
    ioc.poll();
  }
  EXPECT_EQ(handled, 1);
  EXPECT_FALSE(finished) << "destroyed, never resumed";
}

}  // namespace
}  // namespace tgate::http
