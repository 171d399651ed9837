#include "core/clock.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tgate {

namespace asio = boost::asio;

namespace {

// A Timer on the machine's steady clock: an asio::steady_timer.
class SystemTimer final : public Timer {
 public:
  explicit SystemTimer(asio::any_io_executor executor) : timer_(std::move(executor)) {}

  void ExpiresAt(SteadyTime t) override { timer_.expires_at(t); }
  asio::awaitable<bool> Wait() override {
    // Nothing of *this is touched after the wait: the timer may be gone.
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }
  void Cancel() override { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

}  // namespace

asio::awaitable<void> Clock::SleepFor(std::chrono::steady_clock::duration d) const {
  std::unique_ptr<Timer> timer = MakeTimer(co_await asio::this_coro::executor);
  timer->ExpiresAt(Now() + d);
  co_await timer->Wait();
}

std::unique_ptr<Timer> SystemClock::MakeTimer(asio::any_io_executor executor) const {
  return std::make_unique<SystemTimer>(std::move(executor));
}

}  // namespace tgate
