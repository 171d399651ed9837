// Lifetime: ties the coroutines an object spawns to the object's life, so
// that destroying the object stops them safely, whether or not anyone called
// its Stop(). tgate's one idiom for coroutine lifetimes (issue 12): every
// component whose coroutine outlives a call (a loop until shutdown, a retry)
// uses it. Like std::jthread, whose destructor requests the stop.
// Not a task group (it does not wait for the coroutines to finish) and not
// Asio cancellation (an operation under way runs to its end; the coroutine
// then sees the Lifetime ended and returns).
//
// The rules, for an owner `Foo` with a `Lifetime life_` member:
//  1. Spawn with a Token as an argument, so the coroutine frame holds the
//     shared state from the start (it may first run after Foo is gone):
//       asio::co_spawn(executor_, Loop(life_.token()), LogStopped("foo"));
//  2. After every co_await, check the token before touching *this:
//       auto r = co_await api_.Call(...);
//       if (life.ended()) co_return;
//  3. Wait only with `co_await life.Sleep(d)`: End() (and so ~Lifetime) and
//     Wake() cut it short; a Wake() while no Sleep is under way (the loop was
//     busy) cuts the next one short, so new work is never left waiting for a
//     periodic pass. (Write the co_await as a statement of its own, not
//     in an if's condition: GCC 12 miscompiles some of those frames.)
//  4. Stop() is life_.End(); Notify() is life_.Wake().
//  5. A spawned coroutine may run to its end before co_spawn returns: it
//     starts at once on this thread, and what it awaits need not suspend
//     (SQLite's store calls never do; http::Client reads an answer already
//     in the socket at once). So spawn outside any walk over state the
//     coroutine changes: take out what is to start first, then spawn
//     (api/events_sender.cc, StartWaiting).
// What a coroutine awaits must be safe to leave pending when its object goes
// (http::Client's requests are: they hold the client's state).
//
// Why this idiom and not Asio cancellation slots: Asio's cancellation is
// asynchronous too (emit() only makes the pending operation complete with
// operation_aborted), so the coroutine still resumes after its owner is gone
// and still needs a flag outside the owner before touching it: the flag is
// what makes it safe, and a slot would be a second mechanism beside it. Slots
// also reach only operations that support per-operation cancellation (not
// ours, such as http::Client::Send), and the signal must outlive what it is
// attached to. One shared flag covers timers, HTTP calls and synchronous work
// alike, and it is the shape the Dispatcher, http::Server and http::Client
// already have (state shared with their coroutines, marked stopped by their
// destructors).
//
// Threading: confined to one thread (the io thread, app/threads.h); debug
// builds assert it (TGATE_ASSERT_ON).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "core/thread_check.h"

namespace tgate {

class Lifetime {
  struct State {
    bool ended = false;
    std::vector<boost::asio::steady_timer*> sleeping;  // the Sleeps under way
    bool woken = false;  // Wake() came while none was: the next Sleep returns at once
    ThreadChecker thread;
  };

 public:
  // What a coroutine holds: the shared state, never the owner.
  class Token {
   public:
    // True once the owner stopped or was destroyed: touch nothing of it.
    bool ended() const { return state_->ended; }
    // Waits `d`, or less when the owner calls Wake() or ends (at once when
    // it has ended). Check ended() after it, as after any co_await.
    boost::asio::awaitable<void> Sleep(std::chrono::steady_clock::duration d) const;

   private:
    friend class Lifetime;
    explicit Token(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
  };

  Lifetime() : state_(std::make_shared<State>()) {}
  ~Lifetime() { End(); }
  Lifetime(const Lifetime&) = delete;
  Lifetime& operator=(const Lifetime&) = delete;

  Token token() const { return Token(state_); }
  // Cuts every Sleep under way short (new work is waiting); with none under
  // way, the next Sleep.
  void Wake();
  // The coroutines stop touching the owner: they return at their next check.
  // Idempotent.
  void End();
  bool ended() const { return state_->ended; }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tgate
