// FakeBotApi: a scripted BotApi for tests (as leveldb's test Envs): records
// every call with its time, and answers sendMessage from a script — per chat
// (blocked, deactivated, not found, migrated, a 429 with retry_after) and for
// the next N calls (5xx, network failure) — otherwise with a Message. Answers
// immediately or after `latency`. Test-only: never linked into tgate.
#pragma once

#include <boost/json.hpp>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "telegram/bot_api.h"

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
  void ScriptChat(int64_t chat_id, unsigned status, std::string body) { chats_[chat_id] = {status, std::move(body)}; }
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

  Awaitable<ApiResult> Call(std::string method, boost::json::object params,
                            std::chrono::milliseconds timeout) override {
    calls_.push_back({method, params, clock_.Now()});
    if (latency_.count() > 0) {
      asio::steady_timer t(co_await asio::this_coro::executor, latency_);
      co_await t.async_wait(kAsTuple);
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
    std::string text = params.contains("text") ? std::string(params.at("text").as_string()) : "";
    accepted_.emplace_back(chat, text);
    boost::json::object msg{{"message_id", static_cast<int64_t>(accepted_.size())},
                            {"chat", {{"id", chat}}},
                            {"text", text}};
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
};

}  // namespace tgate::telegram
