// WriteBatcher<Item, Out>: group commit. Concurrent coroutines each call
// `co_await batcher.Submit(item)`; the first Submit into an empty batch posts
// a flush to the io_context, so every coroutine that gets to run before it
// (each session whose request is already parsed) joins the batch. While a
// pass of the io_context brings more items, the batch waits one pass more
// (at most kMaxGatherPasses in all): under load every reactor pass brings the
// sessions whose requests just arrived, and each that joins shares the
// commit (its WAL frames, checksums and locks) instead of paying the next
// one's. A lone item is flushed after one pass. The flush
// calls one function with all pending items (one transaction, one fsync) and
// resumes each waiter with its own result; a batch that fails gives every
// waiter the error, so nothing is acknowledged that was not stored. Items
// submitted while a flush is under way (a PostgreSQL flush suspends) go into
// the next batch. A batch holds at most `max_batch` items.
// Not a queue that outlives its owner, and not a timer-based batcher: it never
// waits for time, only for passes of the io_context that bring items.
// Lifetime (core/lifetime.h): destroying the batcher (or Stop()) answers
// every waiter, pending or in a flush under way, with Unavailable; the flush
// under way then runs to its end and touches nothing of the owner.
// Threading: io thread only (TGATE_ASSERT_ON).
#pragma once

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/awaitable.h"
#include "core/result.h"
#include "core/thread_check.h"

namespace tgate {

template <typename Item, typename Out>
class WriteBatcher {
 public:
  // Writes a whole batch (one transaction): one Out per item, in order, or
  // an error for all of them.
  using Flush = std::function<Awaitable<Result<std::vector<Out>>>(const std::vector<Item>& items)>;

  static constexpr size_t kDefaultMaxBatch = 256;
  // Passes of the io_context a batch waits for, at most, while each brings
  // items. Ingest runs (webhook and POST /v1/messages, 64 connections):
  // one pass made ~21 requests a commit, three ~52; CPU per request fell in
  // 6 of 8 alternating pairs (/v1/messages typically 28-29 us to 26), p99
  // unchanged.
  static constexpr int kMaxGatherPasses = 3;

  explicit WriteBatcher(Flush flush, size_t max_batch = kDefaultMaxBatch)
      : state_(std::make_shared<State>(std::move(flush), max_batch == 0 ? 1 : max_batch)) {}
  ~WriteBatcher() { Stop(); }
  WriteBatcher(const WriteBatcher&) = delete;
  WriteBatcher& operator=(const WriteBatcher&) = delete;

  // Waits for the batch holding `item` to be written; its result, or the
  // batch's error (Unavailable once the batcher stopped).
  // A coroutine: co_await it at once.
  Awaitable<Result<Out>> Submit(Item item) {
    std::shared_ptr<State> state = state_;  // the frame holds it, not the owner
    TGATE_ASSERT_ON(state->thread);
    if (state->stopped) co_return Stopped();
    auto executor = co_await asio::this_coro::executor;
    auto waiter = std::make_shared<Waiter>(executor);
    state->pending.push_back(Pending{std::move(item), waiter});
    if (!state->flush_running) {
      state->flush_running = true;
      asio::co_spawn(executor, Run(state), asio::detached);
    }
    if (!waiter->result) co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!waiter->result) co_return Status::Internal("write batcher: woken without a result");
    co_return std::move(*waiter->result);
  }

  // Answers every waiter with Unavailable; later Submits get it at once.
  // Idempotent.
  void Stop() {
    State& s = *state_;
    if (s.stopped) return;
    TGATE_ASSERT_ON(s.thread);
    s.stopped = true;
    for (Pending& p : s.pending) Deliver(*p.waiter, Stopped());
    s.pending.clear();
    for (auto& w : s.in_flight) Deliver(*w, Stopped());
    s.in_flight.clear();
  }

  // Items waiting for the next flush (not those of a flush under way).
  size_t pending() const { return state_->pending.size(); }
  // Batches flushed so far (successful or not).
  size_t batches() const { return state_->batches; }

 private:
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;  // never expires: cancelled to wake the waiter
    std::optional<Result<Out>> result;
  };
  struct Pending {
    Item item;
    std::shared_ptr<Waiter> waiter;
  };
  struct State {
    State(Flush f, size_t max) : flush(std::move(f)), max_batch(max) {}
    Flush flush;
    const size_t max_batch;
    std::vector<Pending> pending;
    std::vector<std::shared_ptr<Waiter>> in_flight;  // the flush under way's
    bool flush_running = false;                      // a Run is spawned or running
    bool stopped = false;
    size_t batches = 0;
    ThreadChecker thread;
  };

  static Status Stopped() { return Status::Unavailable("stopped before the write was done; retry"); }

  static void Deliver(Waiter& w, Result<Out> r) {
    if (w.result) return;
    w.result.emplace(std::move(r));
    w.timer.cancel();
  }

  // Lets the io_context run what is queued on it (a post: co_spawn itself
  // may start the coroutine inline), so the sessions that are ready to submit
  // do so first; again while a pass brought items, up to kMaxGatherPasses.
  static Awaitable<void> Gather(State& state, const asio::any_io_executor& executor) {
    for (int pass = 0; pass < kMaxGatherPasses; ++pass) {
      const size_t before = state.pending.size();
      co_await asio::post(executor, asio::use_awaitable);
      if (state.stopped || state.pending.size() == before || state.pending.size() >= state.max_batch) break;
    }
  }

  // Flushes batches until none is pending, each taken after Gather.
  static Awaitable<void> Run(std::shared_ptr<State> state) {
    auto executor = co_await asio::this_coro::executor;
    co_await Gather(*state, executor);
    while (!state->stopped && !state->pending.empty()) {
      std::vector<Item> items;
      const size_t n = std::min(state->pending.size(), state->max_batch);
      items.reserve(n);
      state->in_flight.clear();
      state->in_flight.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        items.push_back(std::move(state->pending[i].item));
        state->in_flight.push_back(std::move(state->pending[i].waiter));
      }
      state->pending.erase(state->pending.begin(), state->pending.begin() + static_cast<ptrdiff_t>(n));
      ++state->batches;
      Result<std::vector<Out>> written = Status::Internal("write batcher: flush did not run");
      try {
        written = co_await state->flush(items);
      } catch (const std::exception& e) {
        written = Status::Internal(std::string("write batcher: flush threw: ") + e.what());
      }
      // Stopped meanwhile: its waiters were answered (Unavailable).
      if (state->stopped) break;
      std::vector<std::shared_ptr<Waiter>> waiters = std::move(state->in_flight);
      state->in_flight.clear();
      if (written.ok() && written->size() != waiters.size())
        written = Status::Internal("write batcher: flush returned a result count unlike its items'");
      for (size_t i = 0; i < waiters.size(); ++i) {
        if (written.ok())
          Deliver(*waiters[i], Result<Out>(std::move((*written)[i])));
        else
          Deliver(*waiters[i], written.status());
      }
      // What became runnable meanwhile joins the next batch.
      if (!state->pending.empty()) co_await Gather(*state, executor);
    }
    state->flush_running = false;
  }

  std::shared_ptr<State> state_;
};

}  // namespace tgate
