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
    if (!state->gathering) state->gathering = std::make_shared<Group>(executor);
    std::shared_ptr<Group> group = state->gathering;
    const size_t slot = group->results.size();
    group->results.emplace_back();
    state->pending.push_back(Pending{std::move(item), group, slot});
    if (!state->flush_running) {
      state->flush_running = true;
      asio::co_spawn(executor, Run(state), asio::detached);
    }
    // The group's timer is cancelled when a flush answered some of it: the
    // rest (past max_batch, in the next flush) wait again.
    while (!group->results[slot]) {
      co_await group->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return std::move(*group->results[slot]);
  }

  // Answers every waiter with Unavailable; later Submits get it at once.
  // Idempotent.
  void Stop() {
    State& s = *state_;
    if (s.stopped) return;
    TGATE_ASSERT_ON(s.thread);
    s.stopped = true;
    Answer(s.pending, [](size_t) -> Result<Out> { return Stopped(); });
    s.pending.clear();
    Answer(s.in_flight, [](size_t) -> Result<Out> { return Stopped(); });
    s.in_flight.clear();
    s.gathering.reset();
  }

  // Items waiting for the next flush (not those of a flush under way).
  size_t pending() const { return state_->pending.size(); }
  // Batches flushed so far (successful or not).
  size_t batches() const { return state_->batches; }

 private:
  // The Submits that joined one batch while it gathered: they wait on one
  // timer, cancelled once their results are in. One timer-queue entry per
  // batch: a timer (and a shared Waiter) each was 1.1 % of the io thread's
  // samples under POST /v1/messages, about 1,000 instructions a request.
  struct Group {
    explicit Group(const asio::any_io_executor& ex) : wake(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer wake;                          // never expires: cancelled to wake the waiters
    std::vector<std::optional<Result<Out>>> results;  // one per Submit, by slot
  };
  struct Pending {
    Item item;
    std::shared_ptr<Group> group;
    size_t slot = 0;
  };
  struct Waiting {  // a Pending whose item went to a flush
    std::shared_ptr<Group> group;
    size_t slot = 0;
  };
  struct State {
    State(Flush f, size_t max) : flush(std::move(f)), max_batch(max) {}
    Flush flush;
    const size_t max_batch;
    std::shared_ptr<Group> gathering;  // the group new Submits join
    std::vector<Pending> pending;
    std::vector<Waiting> in_flight;  // the flush under way's
    bool flush_running = false;      // a Run is spawned or running
    bool stopped = false;
    size_t batches = 0;
    ThreadChecker thread;
  };

  static Status Stopped() { return Status::Unavailable("stopped before the write was done; retry"); }

  // Gives the i-th of `waiters` result(i), unless it has one, and wakes
  // their groups.
  template <typename Waiters, typename ResultOf>
  static void Answer(Waiters& waiters, ResultOf result) {
    Group* last = nullptr;
    for (size_t i = 0; i < waiters.size(); ++i) {
      Group& group = *waiters[i].group;
      auto& slot = group.results[waiters[i].slot];
      if (!slot) slot.emplace(result(i));
      if (&group != last) {
        group.wake.cancel();
        last = &group;
      }
    }
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
        state->in_flight.push_back(Waiting{std::move(state->pending[i].group), state->pending[i].slot});
      }
      state->pending.erase(state->pending.begin(), state->pending.begin() + static_cast<ptrdiff_t>(n));
      state->gathering.reset();  // Submits from here on wait for the next flush
      ++state->batches;
      Result<std::vector<Out>> written = Status::Internal("write batcher: flush did not run");
      try {
        written = co_await state->flush(items);
      } catch (const std::exception& e) {
        written = Status::Internal(std::string("write batcher: flush threw: ") + e.what());
      }
      // Stopped meanwhile: its waiters were answered (Unavailable).
      if (state->stopped) break;
      std::vector<Waiting> waiters = std::move(state->in_flight);
      state->in_flight.clear();
      if (written.ok() && written->size() != waiters.size())
        written = Status::Internal("write batcher: flush returned a result count unlike its items'");
      Answer(waiters, [&written](size_t i) -> Result<Out> {
        if (!written.ok()) return written.status();
        return Out(std::move((*written)[i]));  // Out(): a vector<bool>'s element is a proxy
      });
      // What became runnable meanwhile joins the next batch.
      if (!state->pending.empty()) co_await Gather(*state, executor);
    }
    state->flush_running = false;
  }

  std::shared_ptr<State> state_;
};

}  // namespace tgate
