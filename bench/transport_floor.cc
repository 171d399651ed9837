#include "bench/transport_floor.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "http/next_pass.h"
#include "telegram/http_bot_api.h"

namespace tgate::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxInFlight = 32;  // the bare floor's connections

}  // namespace

FloorResult MeasureTransportFloor(uint16_t port, const std::string& token, double rate_per_sec,
                                  std::chrono::milliseconds tick, int requests, int64_t first_chat) {
  FloorResult result;
  asio::io_context answers(1);
  auto guard = asio::make_work_guard(answers);  // poll() does nothing on a stopped context
  http::NextPass& next_pass = http::NextPass::Of(answers);
  telegram::HttpBotApiOptions options;
  options.token = token;
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  options.max_connections = kMaxInFlight;
  options.timer_stays_armed = true;
  options.read_at_next_pass = &next_pass;
  telegram::HttpBotApi api(answers.get_executor(), options);
  if (Status s = api.Init(); !s.ok()) {
    std::fprintf(stderr, "transport floor: %s\n", s.message().c_str());
    result.answered_other = requests;
    return result;
  }

  const double per_tick = 0.98 * rate_per_sec * std::chrono::duration<double>(tick).count();
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  const double cpu_start = ThreadCpuSeconds();
  int sent = 0, in_flight = 0;
  double credit = 0;
  auto next = Clock::now();
  while (result.answered_200 + result.answered_other < sent || sent < requests) {
    if (Clock::now() > deadline) break;
    next += tick;
    std::this_thread::sleep_until(next);
    next_pass.Release();  // the answers of the requests written at the last tick
    credit = std::min(credit + per_tick, per_tick + 1);  // a late tick does not catch up in a burst
    while (credit >= 1 && sent < requests && in_flight < kMaxInFlight) {
      std::string body = R"({"chat_id":)" + std::to_string(first_chat + sent) + R"(,"text":"floor"})";
      ++in_flight;
      asio::co_spawn(
          answers,
          [&, body = std::move(body)]() mutable -> Awaitable<void> {
            telegram::ApiResult r =
                co_await api.CallJson("sendMessage", std::move(body), std::chrono::milliseconds(0),
                                      telegram::ResultUse::kMessageId);
            (r.ok() ? result.answered_200 : result.answered_other) += 1;
            --in_flight;
          },
          asio::detached);
      ++sent;
      credit -= 1;
    }
    answers.poll();
  }
  const int64_t answered = result.answered_200 + result.answered_other;
  result.cpu_us_per_request = answered > 0 ? (ThreadCpuSeconds() - cpu_start) * 1e6 / double(answered) : 0;
  // Whatever is still under way (a timed-out run) is destroyed with `answers`.
  guard.reset();
  answers.stop();
  return result;
}

}  // namespace tgate::bench
