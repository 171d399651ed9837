#include "webhook/update_receiver.h"

#include <spdlog/spdlog.h>

#include "core/random.h"
#include "http/error_response.h"
#include "telegram/update.h"

namespace tgate::webhook {
namespace {

constexpr char kIngest[] = "tgate_webhook_updates_total";

Status Stopped() { return Status::Unavailable("webhook receiver stopped; retry"); }

std::string Labels(const HookBot& bot, std::string_view result) {
  std::string out = "bot=\"" + bot.name + "\",result=\"";
  out += result;
  out += '"';
  return out;
}

}  // namespace

UpdateReceiver::UpdateReceiver(store::Store& store, Metrics& metrics, std::vector<HookBot> bots)
    : store_(store),
      metrics_(metrics),
      bots_(std::move(bots)),
      inserts_(
          [this, life = life_.token()](const std::vector<Received>& batch) { return Write(life, batch); }) {
  metrics_.Describe(
      kIngest, "counter",
      "Webhook updates by bot and result: accepted (stored), duplicate (stored before), rejected "
      "(wrong secret, or malformed and acknowledged), failed (not stored: Telegram retries).");
  // Every series from the start, at 0: a rate over a series that appears
  // only at its first increment misses that increment.
  for (const HookBot& b : bots_) {
    for (const char* result : {"accepted", "duplicate", "rejected", "failed"})
      metrics_.Inc(kIngest, Labels(b, result), 0);
  }
}

const HookBot* UpdateReceiver::Match(std::string_view segment) const {
  // Compare against every bot so the time taken does not depend on which
  // (if any) matched.
  const HookBot* found = nullptr;
  for (const HookBot& b : bots_) {
    if (ConstantTimeEquals(b.path, segment) && !b.path.empty()) found = &b;
  }
  return found;
}

Awaitable<http::Response> UpdateReceiver::Handle(const http::Request& req, std::string_view segment) {
  const HookBot* bot = Match(segment);
  if (!bot) co_return http::ErrorResponse(req, Status::NotFound("no webhook at this path"));
  if (req.method() != boost::beast::http::verb::post) {
    auto r = http::ErrorResponse(req, Status(Code::kInvalidArgument, "use POST"));
    r.result(boost::beast::http::status::method_not_allowed);
    co_return r;
  }
  if (!bot->secret.empty()) {
    auto it = req.find("X-Telegram-Bot-Api-Secret-Token");
    std::string_view got = it == req.end() ? std::string_view() : std::string_view(it->value());
    if (!ConstantTimeEquals(got, bot->secret)) {
      metrics_.Inc(kIngest, Labels(*bot, "rejected"));
      co_return http::ErrorResponse(
          req, Status::Unauthenticated("wrong or missing X-Telegram-Bot-Api-Secret-Token"));
    }
  }
  auto parsed = telegram::ParseUpdate(req.body());
  if (!parsed.ok()) {
    spdlog::warn("bot {}: acknowledged a malformed update ({} bytes): {}", bot->name, req.body().size(),
                 parsed.status().message());
    metrics_.Inc(kIngest, Labels(*bot, "rejected"));
    co_return http::JsonResponse(req, 200, "{}");
  }
  const int64_t update_id = parsed->update_id;
  // A named item, moved in: GCC 12 destroys a temporary argument of a
  // coroutine in a co_await twice (GCC bug 99576).
  Received received{static_cast<size_t>(bot - bots_.data()), store::Update{bot->name, update_id, req.body()},
                    std::move(*parsed)};
  auto inserted = co_await inserts_.Submit(std::move(received));
  if (!inserted.ok()) {
    // Not acknowledged: Telegram will deliver it again.
    spdlog::error("bot {}: could not store update {}: {}", bot->name, update_id, inserted.status().message());
    metrics_.Inc(kIngest, Labels(*bot, "failed"));
    co_return http::ErrorResponse(req, Status::Unavailable("could not store the update; retry"));
  }
  metrics_.Inc(kIngest, Labels(*bot, *inserted ? "accepted" : "duplicate"));
  co_return http::JsonResponse(req, 200, "{}");
}

Awaitable<Result<std::vector<bool>>> UpdateReceiver::Write(Lifetime::Token life,
                                                           const std::vector<Received>& batch) {
  std::vector<bool> inserted;
  WakeUps wake;
  Status s = co_await store_.RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    co_return co_await WriteIn(life, tx, batch, inserted, wake);
  });
  if (life.ended()) co_return Stopped();
  if (!s.ok()) co_return s;
  for (size_t b = 0; b < bots_.size(); ++b) {
    if (wake.notify[b] && bots_[b].notify) bots_[b].notify();
    if (!wake.processed[b]) continue;
    // The processor may have gone meanwhile (the bot disowned): its
    // successor's loop finds nothing pending, the events sender polls.
    if (UpdateProcessor* p = bots_[b].processor ? bots_[b].processor() : nullptr)
      p->ProcessedOnReceipt(wake.replied[b]);
  }
  co_return inserted;
}

Awaitable<Status> UpdateReceiver::WriteIn(Lifetime::Token life, store::Store& tx,
                                          const std::vector<Received>& batch, std::vector<bool>& inserted,
                                          WakeUps& wake) {
  inserted.assign(batch.size(), false);
  wake = WakeUps{std::vector<bool>(bots_.size()), std::vector<bool>(bots_.size()),
                 std::vector<bool>(bots_.size())};
  // By bot, what becomes of its updates in this batch. kPending: no
  // processor here, one of its updates was pending before, or one of this
  // batch could not be processed (the bot's later ones wait behind it).
  enum class Mode { kNotAsked, kOnReceipt, kPending };
  std::vector<Mode> mode(bots_.size(), Mode::kNotAsked);
  for (size_t i = 0; i < batch.size(); ++i) {
    const Received& r = batch[i];
    UpdateProcessor* p = bots_[r.bot].processor ? bots_[r.bot].processor() : nullptr;
    if (!p) mode[r.bot] = Mode::kPending;
    if (mode[r.bot] == Mode::kNotAsked) {
      auto may = co_await p->MayProcessOnReceipt(tx);
      if (life.ended()) co_return Stopped();
      if (!may.ok()) co_return may.status();
      p = bots_[r.bot].processor();  // asked anew after a store call
      mode[r.bot] = *may && p ? Mode::kOnReceipt : Mode::kPending;
    }
    if (mode[r.bot] == Mode::kOnReceipt) {
      bool replied = false;
      auto processed = co_await p->ProcessOnReceipt(tx, r.update, r.parsed, replied);
      if (life.ended()) co_return Stopped();
      if (processed.ok()) {
        inserted[i] = *processed;
        wake.processed[r.bot] = wake.processed[r.bot] || *processed;
        wake.replied[r.bot] = wake.replied[r.bot] || replied;
        continue;
      }
      // Left for the processor's loop, which retries it or sets it aside.
      spdlog::debug("bot {}: update {} not processed on receipt: {}", bots_[r.bot].name, r.update.update_id,
                    processed.status().message());
      mode[r.bot] = Mode::kPending;
    }
    auto stored = co_await tx.InsertUpdate(r.update);
    if (life.ended()) co_return Stopped();
    if (!stored.ok()) co_return stored.status();
    inserted[i] = *stored;
    wake.notify[r.bot] = wake.notify[r.bot] || *stored;
  }
  co_return Status::Ok();
}

}  // namespace tgate::webhook
