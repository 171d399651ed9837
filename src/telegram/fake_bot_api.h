// FakeBotApi: a scripted BotApi for tests (as leveldb's test Envs): records
// every call with its time, and answers sendMessage from a script — per chat
// (blocked, deactivated, not found, migrated, a 429 with retry_after) and for
// the next N calls (5xx, network failure) — otherwise with a Message. Answers
// immediately or after `latency`; calls may take a random time to arrive. Both
// waits are on the Clock's timers, so on a FakeClock they take fake time
// (core/fake_clock_test_util.h runs them). It can also enforce Telegram's
// flood limits with the emulator's own judge (emulator::Limits, sliding windows on arrival time:
// tools/emulator/limits.h, independent of the dispatcher's windows) and answer 429 beyond them, counting
// those 429s: a dispatcher test then shows it never exceeds a limit by its own scheduling. set_down() makes
// the Bot API unreachable for every call (network failure, or a 5xx): an outage. getMe answers the fake bot
// (scripts are for sendMessage). Test-only: never linked into tgate. Single-threaded (the test's io_context).
#pragma once

#include <boost/json.hpp>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "telegram/bot_api.h"
#include "tools/emulator/limits.h"

namespace tgate::telegram {

class FakeBotApi final : public BotApi {
 public:
  struct RecordedCall {
    std::string method;
    boost::json::object params;
    SteadyTime at;
  };

  explicit FakeBotApi(const Clock& clock) : clock_(clock) {}

  // Scripts: answers for a chat until changed, and one-shot answers for the next calls.
  void ScriptChat(int64_t chat_id, unsigned status, std::string body) {
    chats_[chat_id] = {status, std::move(body)};
  }
  void ClearChat(int64_t chat_id) { chats_.erase(chat_id); }
  void FailNext(unsigned status, std::string body, int times = 1) {
    for (int i = 0; i < times; ++i) next_.push_back({status, body});
  }
  void DropNext(int times = 1) {
    for (int i = 0; i < times; ++i) next_.push_back({0, ""});
  }
  // One 429 for the chat's next call.
  void RateLimitOnce(int64_t chat_id, int retry_after) {
    once_[chat_id] = {429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after )" +
                               std::to_string(retry_after) + R"(","parameters":{"retry_after":)" +
                               std::to_string(retry_after) + "}}"};
  }
  void set_latency(std::chrono::milliseconds l) { latency_ = l; }
  // Each call arrives `lo`..`hi` (uniform) after it was made, the request's
  // trip: calls made evenly arrive unevenly (limits apply on arrival).
  void set_request_latency(std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
    request_latency_ = std::uniform_int_distribution<int64_t>(lo.count() * 1000, hi.count() * 1000);
  }
  // An outage: every call, whatever its method, fails with `status` (0: no
  // answer, "connection refused"; or a 5xx) until set_down(false).
  void set_down(bool down, unsigned status = 0) {
    down_ = down;
    down_status_ = status;
  }
  // Called as each call arrives, before it is answered (to look at what the
  // caller had done by then).
  void set_on_call(std::function<void(const RecordedCall&)> f) { on_call_ = std::move(f); }

  // The limits the emulator enforces (botapi-facts.md §1): at most N accepted
  // sendMessage calls in any interval of length W, per scope.
  using Limits = emulator::LimitOptions;
  void EnforceLimits(const Limits& limits) { limits_.emplace(limits); }
  // 429s answered because a limit was exceeded (not the scripted ones).
  size_t limit_429s() const { return limit_429s_; }

  const std::vector<RecordedCall>& calls() const { return calls_; }
  // Texts accepted for a chat, in order.
  std::vector<std::string> Accepted(int64_t chat_id) const {
    std::vector<std::string> out;
    for (const auto& [chat, text] : accepted_) {
      if (chat == chat_id) out.push_back(text);
    }
    return out;
  }
  size_t accepted() const { return accepted_.size(); }

  // Answers carry their whole result whatever `use` asks (message_id too).
  Awaitable<ApiResult> Call(std::string method, boost::json::object params, std::chrono::milliseconds timeout,
                            ResultUse) override {
    if (request_latency_.max() > 0)
      co_await clock_.SleepFor(std::chrono::microseconds(request_latency_(rng_)));
    SteadyTime arrived = clock_.Now();
    calls_.push_back({method, params, arrived});
    if (on_call_) on_call_(calls_.back());
    if (latency_.count() > 0) co_await clock_.SleepFor(latency_);
    if (down_) {
      if (down_status_ == 0) co_return NetworkFailure("connect: Connection refused");
      co_return Classify(down_status_, "<html>" + std::to_string(down_status_) + " Bad Gateway</html>");
    }
    if (method == "getMe") {
      co_return Classify(
          200, R"({"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Fake","username":"fake_bot"}})");
    }
    int64_t chat = params.contains("chat_id") ? params.at("chat_id").to_number<int64_t>() : 0;
    Answer a{200, ""};
    if (auto it = once_.find(chat); it != once_.end()) {
      a = it->second;
      once_.erase(it);
    } else if (auto c = chats_.find(chat); c != chats_.end()) {
      a = c->second;
    } else if (!next_.empty()) {
      a = next_.front();
      next_.pop_front();
    }
    if (a.status == 0) co_return NetworkFailure("connection reset by peer");
    if (a.status != 200) co_return Classify(a.status, a.body);
    if (limits_ && method == "sendMessage") {
      bool paid = params.contains("allow_paid_broadcast") && params.at("allow_paid_broadcast") == true;
      if (int64_t wait = limits_->Admit(chat, paid, arrived); wait > 0) {
        ++limit_429s_;
        co_return Classify(
            429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after )" +
                     std::to_string(wait) + R"(","parameters":{"retry_after":)" + std::to_string(wait) +
                     "}}");
      }
    }
    std::string text = params.contains("text") ? std::string(params.at("text").as_string()) : "";
    accepted_.emplace_back(chat, text);
    boost::json::object msg{
        {"message_id", static_cast<int64_t>(accepted_.size())}, {"chat", {{"id", chat}}}, {"text", text}};
    boost::json::object body{{"ok", true}, {"result", msg}};
    co_return Classify(200, boost::json::serialize(body));
  }

  Awaitable<ApiResult> CallMultipart(std::string method, std::vector<FormPart>) override {
    calls_.push_back({method, {}, clock_.Now()});
    co_return Classify(200, R"({"ok":true,"result":true})");
  }

 private:
  struct Answer {
    unsigned status;
    std::string body;
  };
  const Clock& clock_;
  std::map<int64_t, Answer> chats_, once_;
  std::deque<Answer> next_;
  std::vector<RecordedCall> calls_;
  std::vector<std::pair<int64_t, std::string>> accepted_;
  std::chrono::milliseconds latency_{0};
  std::uniform_int_distribution<int64_t> request_latency_{0, 0};  // microseconds
  std::mt19937 rng_{1};
  bool down_ = false;
  unsigned down_status_ = 0;
  std::function<void(const RecordedCall&)> on_call_;
  std::optional<emulator::Limits> limits_;  // enforced when set
  size_t limit_429s_ = 0;
};

}  // namespace tgate::telegram
