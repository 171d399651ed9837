#include "webhook/long_poller.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/json_numbers.h"
#include "core/log_stopped.h"
#include "telegram/update.h"
#include "webhook/allowed_updates.h"

namespace tgate::webhook {

namespace json = boost::json;

LongPoller::LongPoller(asio::any_io_executor executor, telegram::BotApi& api, store::Store& store,
                       LongPollerOptions options, UpdateProcessor* processor,
                       std::function<void()> on_updates)
    : executor_(executor),
      api_(api),
      store_(store),
      options_(std::move(options)),
      intake_({IntakeBot{options_.bot, [processor] { return processor; }, std::move(on_updates)}}) {}

void LongPoller::Start() {
  asio::co_spawn(executor_, Loop(life_.token()), LogStopped("bot " + options_.bot + ": long polling"));
}

void LongPoller::Stop() { life_.End(); }

Awaitable<bool> LongPoller::StoreAll(Lifetime::Token life, const json::value& result) {
  if (!result.is_array()) co_return true;
  std::vector<ReceivedUpdate> batch;
  for (const json::value& u : result.get_array()) {
    const json::object* o = u.if_object();
    std::optional<int64_t> id = JsonInt64Field(o, "update_id");
    if (!id) continue;
    ReceivedUpdate r{0, store::Update{options_.bot, *id, json::serialize(u)}, std::nullopt};
    // One the processor does not understand is stored pending: its loop
    // sets it aside, as it did before updates were processed on receipt.
    if (auto parsed = telegram::ParseUpdate(r.update.payload); parsed.ok()) r.parsed = std::move(*parsed);
    batch.push_back(std::move(r));
  }
  if (batch.empty()) co_return true;
  UpdateIntake::Taken taken;
  Status s = co_await intake_.TakeInTransaction(life, store_, batch, taken);
  if (life.ended()) co_return false;
  if (!s.ok()) {
    spdlog::error("bot {}: could not store {} updates: {}", options_.bot, batch.size(), s.message());
    co_return false;
  }
  intake_.Wake(taken);
  co_return true;
}

Awaitable<void> LongPoller::Loop(Lifetime::Token life) {
  std::chrono::seconds delay{1};
  while (!life.ended()) {
    auto max_id = co_await store_.MaxUpdateId(options_.bot);
    if (life.ended()) co_return;
    json::object params{{"timeout", options_.poll_timeout.count()}, {"allowed_updates", AllowedUpdates()}};
    if (max_id.ok() && *max_id > 0) params["offset"] = *max_id + 1;
    telegram::ApiResult r =
        co_await api_.Call("getUpdates", std::move(params), options_.poll_timeout + std::chrono::seconds(10));
    if (life.ended()) co_return;
    if (r.ok()) {
      delay = std::chrono::seconds(1);
      const bool stored = co_await StoreAll(life, r.result);
      if (life.ended()) co_return;
      if (stored) continue;
    } else if (r.kind == telegram::ErrorKind::kConflict) {
      spdlog::warn(
          "bot {}: getUpdates conflict ({}); delete the webhook (`tgate webhook delete`) or "
          "stop the other poller",
          options_.bot, r.description);
      delay = std::chrono::seconds(5);
    } else if (r.kind == telegram::ErrorKind::kUnauthorized || r.kind == telegram::ErrorKind::kNotFound) {
      spdlog::error("bot {}: Telegram rejected the bot token ({}); long polling stopped", options_.bot,
                    r.description);
      co_return;
    } else {
      if (r.kind == telegram::ErrorKind::kRetryAfter)
        delay = std::chrono::seconds(std::max(1, r.retry_after));
      spdlog::warn("bot {}: getUpdates failed ({}); retrying in {} s", options_.bot, r.description,
                   delay.count());
    }
    co_await life.Sleep(delay);
    if (life.ended()) co_return;
    delay = std::min(delay * 2, std::chrono::seconds(30));
  }
}

}  // namespace tgate::webhook
