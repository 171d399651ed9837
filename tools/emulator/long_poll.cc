#include "tools/emulator/long_poll.h"

#include <algorithm>
#include <charconv>

#include "tools/emulator/bot_methods.h"

namespace tgate::emulator {

namespace {

int64_t IntParam(const Params& p, std::string_view name, int64_t fallback) {
  auto v = p.Get(name);
  if (!v) return fallback;
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  return ec == std::errc() ? out : fallback;
}

// Telegram's server caps the long-poll timeout at 50 s (LONG_POLL_MAX_TIMEOUT).
constexpr int64_t kMaxTimeoutSeconds = 50;

}  // namespace

LongPoll::LongPoll(asio::any_io_executor strand, BotState& state)
    : strand_(std::move(strand)), state_(state) {}

Awaitable<BotReply> LongPoll::GetUpdates(Params params) {
  if (!state_.webhook.url.empty()) {
    co_return BotReply::Error(409,
                              "Conflict: can't use getUpdates method while webhook is active; use "
                              "deleteWebhook to delete the webhook first");
  }
  const int64_t offset = IntParam(params, "offset", 0);
  const size_t limit = static_cast<size_t>(std::clamp<int64_t>(IntParam(params, "limit", 100), 1, 100));
  const int64_t timeout = std::clamp<int64_t>(IntParam(params, "timeout", 0), 0, kMaxTimeoutSeconds);
  if (auto au = params.Get("allowed_updates")) {
    std::vector<std::string> list;
    if (!ParseAllowedUpdates(*au, list)) co_return BotReply::BadRequest("can't parse allowed updates");
    state_.allowed_updates = std::move(list);
  }
  if (waiter_)
    Terminate(
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");

  auto updates = state_.updates.Poll(offset, limit);
  if (!updates.empty() || timeout == 0 || stopped_) {
    co_return BotReply::Ok(boost::json::array(updates.begin(), updates.end()));
  }
  auto me = std::make_shared<Waiter>(strand_);
  waiter_ = me;
  me->timer.expires_after(std::chrono::seconds(timeout));
  for (;;) {
    auto [ec] = co_await me->timer.async_wait(kAsTuple);
    if (!me->terminated.empty()) co_return BotReply::Error(409, me->terminated);
    if (!state_.webhook.url.empty()) {
      // A webhook was set meanwhile without terminating us (should not happen).
      if (waiter_ == me) waiter_.reset();
      co_return BotReply::Error(409, "Conflict: terminated by setWebhook request");
    }
    updates = state_.updates.Poll(offset, limit);
    if (!updates.empty() || !ec || stopped_) break;  // got some, timed out, or stopping
  }
  if (waiter_ == me) waiter_.reset();
  co_return BotReply::Ok(boost::json::array(updates.begin(), updates.end()));
}

void LongPoll::Wake() {
  if (waiter_) waiter_->timer.cancel();
}

void LongPoll::Terminate(std::string description) {
  if (!waiter_) return;
  waiter_->terminated = std::move(description);
  waiter_->timer.cancel();
  waiter_.reset();
}

void LongPoll::Stop() {
  stopped_ = true;
  Wake();
}

}  // namespace tgate::emulator
