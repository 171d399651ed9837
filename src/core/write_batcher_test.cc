// WriteBatcher: concurrent submits form one batch (and so do submits on the
// passes after, while each pass brings some), each waiter gets its own
// result, a failed batch fails all of its waiters, a submit during a flush
// lands in the next batch, and stopping (or destroying) the batcher answers
// the waiters still pending. All on a real io_context, without timing.
#include "core/write_batcher.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <vector>

namespace tgate {
namespace {

using Batcher = WriteBatcher<int, std::string>;

// Spawns a Submit whose result lands in *out.
void SpawnSubmit(asio::io_context& io, Batcher& b, int item, std::optional<Result<std::string>>* out) {
  asio::co_spawn(
      io, [&b, item, out]() -> Awaitable<void> { out->emplace(co_await b.Submit(item)); }, asio::detached);
}

TEST(WriteBatcher, ConcurrentSubmitsShareOneFlushAndGetTheirOwnResults) {
  asio::io_context io;
  std::vector<std::vector<int>> flushed;
  Batcher b([&](const std::vector<int>& items) -> Awaitable<Result<std::vector<std::string>>> {
    flushed.push_back(items);
    std::vector<std::string> out;
    for (int i : items) out.push_back("r" + std::to_string(i));
    co_return out;
  });
  std::vector<std::optional<Result<std::string>>> results(5);
  for (int i = 0; i < 5; ++i) SpawnSubmit(io, b, i, &results[i]);
  io.run();
  ASSERT_EQ(flushed.size(), 1u);
  EXPECT_EQ(flushed[0], (std::vector<int>{0, 1, 2, 3, 4}));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(results[i].has_value());
    ASSERT_TRUE(results[i]->ok()) << results[i]->status().ToString();
    EXPECT_EQ(**results[i], "r" + std::to_string(i));
  }
  EXPECT_EQ(b.batches(), 1u);
}

// Submits `item` once `passes` more passes of the io_context have run: a
// session whose request arrives that much later.
void SubmitAfterPasses(asio::io_context& io, Batcher& b, int item, int passes,
                       std::optional<Result<std::string>>* out) {
  if (passes == 0) return SpawnSubmit(io, b, item, out);
  asio::post(io, [&io, &b, item, passes, out] { SubmitAfterPasses(io, b, item, passes - 1, out); });
}

// Items at the given passes; the batches they were flushed in.
std::vector<std::vector<int>> BatchesOf(const std::vector<int>& passes) {
  asio::io_context io;
  std::vector<std::vector<int>> flushed;
  Batcher b([&](const std::vector<int>& items) -> Awaitable<Result<std::vector<std::string>>> {
    flushed.push_back(items);
    co_return std::vector<std::string>(items.size(), "ok");
  });
  std::vector<std::optional<Result<std::string>>> results(passes.size());
  for (size_t i = 0; i < passes.size(); ++i) SubmitAfterPasses(io, b, int(i), passes[i], &results[i]);
  io.run();
  for (auto& r : results) EXPECT_TRUE(r.has_value() && r->ok());
  return flushed;
}

TEST(WriteBatcher, ABatchWaitsForPassesThatBringItemsAndNoLonger) {
  using Batches = std::vector<std::vector<int>>;
  // Items arriving on the first item's pass and on each of the
  // kMaxGatherPasses passes after it share one batch ...
  static_assert(Batcher::kMaxGatherPasses == 3);
  EXPECT_EQ(BatchesOf({0, 0, 1, 2, 3}), (Batches{{0, 1, 2, 3, 4}}));
  // ... but no more passes than that ...
  EXPECT_EQ(BatchesOf({0, 1, 2, 3, 4}), (Batches{{0, 1, 2, 3}, {4}}));
  // ... and a pass that brings none ends the wait: a lone item is flushed
  // after one pass, and what comes later goes into the next batch.
  EXPECT_EQ(BatchesOf({0, 2}), (Batches{{0}, {1}}));
  EXPECT_EQ(BatchesOf({0, 1, 3}), (Batches{{0, 1}, {2}}));
}

TEST(WriteBatcher, AFailedBatchGivesEveryWaiterTheError) {
  asio::io_context io;
  Batcher b([](const std::vector<int>&) -> Awaitable<Result<std::vector<std::string>>> {
    co_return Status::Unavailable("disk on fire");
  });
  std::vector<std::optional<Result<std::string>>> results(3);
  for (int i = 0; i < 3; ++i) SpawnSubmit(io, b, i, &results[i]);
  io.run();
  for (auto& r : results) {
    ASSERT_TRUE(r.has_value());
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->status().code(), Code::kUnavailable);
    EXPECT_EQ(r->status().message(), "disk on fire");
  }
}

TEST(WriteBatcher, AWrongResultCountFailsTheBatchRatherThanMisdeliver) {
  asio::io_context io;
  Batcher b([](const std::vector<int>&) -> Awaitable<Result<std::vector<std::string>>> {
    co_return std::vector<std::string>{"only one"};
  });
  std::vector<std::optional<Result<std::string>>> results(2);
  for (int i = 0; i < 2; ++i) SpawnSubmit(io, b, i, &results[i]);
  io.run();
  for (auto& r : results) {
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status().code(), Code::kInternal);
  }
}

TEST(WriteBatcher, BatchesAreBoundedInSize) {
  asio::io_context io;
  std::vector<size_t> sizes;
  Batcher b(
      [&](const std::vector<int>& items) -> Awaitable<Result<std::vector<std::string>>> {
        sizes.push_back(items.size());
        std::vector<std::string> out;
        for (int i : items) out.push_back("r" + std::to_string(i));
        co_return out;
      },
      2);
  std::vector<std::optional<Result<std::string>>> results(5);
  for (int i = 0; i < 5; ++i) SpawnSubmit(io, b, i, &results[i]);
  io.run();
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  // Five that gathered together, answered by three flushes: each gets its own.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(results[i].has_value() && results[i]->ok()) << i;
    EXPECT_EQ(**results[i], "r" + std::to_string(i));
  }
}

// A flush that suspends (as PostgreSQL's does) until the test opens the gate.
struct GatedFlush {
  explicit GatedFlush(asio::io_context& io) : gate(io, asio::steady_timer::time_point::max()) {}
  asio::steady_timer gate;
  std::vector<std::vector<int>> flushed;
  int running = 0;

  Batcher::Flush fn() {
    return [this](const std::vector<int>& items) -> Awaitable<Result<std::vector<std::string>>> {
      flushed.push_back(items);
      ++running;
      co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
      --running;
      std::vector<std::string> out;
      for (int i : items) out.push_back("r" + std::to_string(i));
      co_return out;
    };
  }
};

TEST(WriteBatcher, ASubmitDuringAFlushLandsInTheNextBatch) {
  asio::io_context io;
  GatedFlush flush(io);
  Batcher b(flush.fn());
  std::vector<std::optional<Result<std::string>>> results(4);
  SpawnSubmit(io, b, 0, &results[0]);
  SpawnSubmit(io, b, 1, &results[1]);
  io.poll();  // the first batch {0, 1} is in its flush, suspended
  ASSERT_EQ(flush.flushed.size(), 1u);
  ASSERT_EQ(flush.running, 1);
  SpawnSubmit(io, b, 2, &results[2]);
  SpawnSubmit(io, b, 3, &results[3]);
  io.poll();
  EXPECT_EQ(flush.flushed.size(), 1u);  // not a second flush while the first runs
  EXPECT_EQ(b.pending(), 2u);
  EXPECT_FALSE(results[0].has_value());
  flush.gate.cancel();  // the first flush ends; the next one starts and waits at the gate again
  io.poll();
  ASSERT_TRUE(results[0].has_value() && results[1].has_value());
  EXPECT_EQ(**results[0], "r0");
  EXPECT_EQ(**results[1], "r1");
  ASSERT_EQ(flush.flushed.size(), 2u);
  EXPECT_EQ(flush.flushed[1], (std::vector<int>{2, 3}));
  EXPECT_FALSE(results[2].has_value());
  flush.gate.cancel();
  io.run();
  ASSERT_TRUE(results[2].has_value() && results[3].has_value());
  EXPECT_EQ(**results[2], "r2");
  EXPECT_EQ(**results[3], "r3");
}

TEST(WriteBatcher, DestroyingItAnswersPendingAndInFlightWaitersWithUnavailable) {
  asio::io_context io;
  GatedFlush flush(io);
  auto b = std::make_unique<Batcher>(flush.fn());
  std::vector<std::optional<Result<std::string>>> results(3);
  SpawnSubmit(io, *b, 0, &results[0]);
  io.poll();  // {0} is in its flush
  SpawnSubmit(io, *b, 1, &results[1]);
  SpawnSubmit(io, *b, 2, &results[2]);
  io.poll();  // {1, 2} pending
  b.reset();
  io.poll();
  for (auto& r : results) {
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status().code(), Code::kUnavailable);
  }
  flush.gate.cancel();  // the flush under way ends and touches nothing
  io.run();
  EXPECT_EQ(flush.flushed.size(), 1u);
}

TEST(WriteBatcher, ASubmitAfterStopIsAnsweredAtOnce) {
  asio::io_context io;
  bool called = false;
  Batcher b([&](const std::vector<int>& items) -> Awaitable<Result<std::vector<std::string>>> {
    called = true;
    co_return std::vector<std::string>(items.size());
  });
  b.Stop();
  std::optional<Result<std::string>> r;
  SpawnSubmit(io, b, 7, &r);
  io.run();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), Code::kUnavailable);
  EXPECT_FALSE(called);
}

TEST(WriteBatcher, AFlushThatThrowsFailsItsBatch) {
  asio::io_context io;
  Batcher b([](const std::vector<int>&) -> Awaitable<Result<std::vector<std::string>>> {
    throw std::runtime_error("boom");
    co_return std::vector<std::string>{};
  });
  std::optional<Result<std::string>> r;
  SpawnSubmit(io, b, 1, &r);
  io.run();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), Code::kInternal);
}

}  // namespace
}  // namespace tgate

namespace tgate {
namespace {

// Items that own memory (as a webhook update's payload does) reach the flush
// intact and are freed once.
TEST(WriteBatcher, ItemsThatOwnMemoryReachTheFlushIntact) {
  asio::io_context io;
  using StringBatcher = WriteBatcher<std::string, size_t>;
  StringBatcher b([](const std::vector<std::string>& items) -> Awaitable<Result<std::vector<size_t>>> {
    std::vector<size_t> out;
    for (const std::string& s : items) out.push_back(s.size());
    co_return out;
  });
  std::vector<std::optional<Result<size_t>>> results(3);
  for (size_t i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&b, &results, i]() -> Awaitable<void> {
          std::string item(100 * (i + 1), 'x');  // named: see update_receiver.cc (GCC 12)
          results[i].emplace(co_await b.Submit(std::move(item)));
        },
        asio::detached);
  }
  io.run();
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[i].has_value() && results[i]->ok());
    EXPECT_EQ(**results[i], 100 * (i + 1));
  }
}

}  // namespace
}  // namespace tgate
