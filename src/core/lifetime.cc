#include "core/lifetime.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tgate {

namespace asio = boost::asio;

asio::awaitable<void> Lifetime::Token::Sleep(std::chrono::steady_clock::duration d) const {
  // Copied first: the caller's Token may be a temporary.
  std::shared_ptr<State> state = state_;
  TGATE_ASSERT_ON(state->thread);
  if (state->ended) co_return;
  if (state->woken) {
    state->woken = false;
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  state->sleeping.push_back(&timer);
  // Unlisted however the wait ends, even when the frame is destroyed without
  // resuming (its io_context destroyed): End() must never see a dead timer.
  struct Unlist {
    State& state;
    asio::steady_timer* timer;
    ~Unlist() { std::erase(state.sleeping, timer); }
  } unlist{*state, &timer};
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

void Lifetime::Wake() {
  TGATE_ASSERT_ON(state_->thread);
  // With no Sleep under way the coroutine is busy (it may have read the
  // store just before the new work was written): its next Sleep must not wait.
  if (state_->sleeping.empty()) state_->woken = true;
  for (asio::steady_timer* t : state_->sleeping) t->cancel();
}

void Lifetime::End() {
  if (state_->ended) return;
  TGATE_ASSERT_ON(state_->thread);
  state_->ended = true;
  for (asio::steady_timer* t : state_->sleeping) t->cancel();
}

}  // namespace tgate
