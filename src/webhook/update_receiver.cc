#include "webhook/update_receiver.h"

#include <spdlog/spdlog.h>

#include "core/random.h"
#include "http/error_response.h"
#include "telegram/update.h"

namespace tgate::webhook {
namespace {

constexpr char kIngest[] = "tgate_webhook_updates_total";

Status Stopped() { return Status::Unavailable("webhook receiver stopped; retry"); }

constexpr const char* kOutcomeNames[] = {"accepted", "duplicate", "rejected", "failed"};

std::string Labels(const HookBot& bot, std::string_view result) {
  std::string out = "bot=\"" + bot.name + "\",result=\"";
  out += result;
  out += '"';
  return out;
}

std::vector<IntakeBot> IntakeBotsOf(const std::vector<HookBot>& bots) {
  std::vector<IntakeBot> out;
  for (const HookBot& b : bots) out.push_back(IntakeBot{b.name, b.processor, b.notify});
  return out;
}

}  // namespace

UpdateReceiver::UpdateReceiver(store::Store& store, Metrics& metrics, std::vector<HookBot> bots)
    : store_(store),
      metrics_(metrics),
      bots_(std::move(bots)),
      intake_(IntakeBotsOf(bots_)),
      inserts_([this, life = life_.token()](const std::vector<ReceivedUpdate>& batch) {
        return Write(life, batch);
      }) {
  metrics_.Describe(
      kIngest, "counter",
      "Webhook updates by bot and result: accepted (stored), duplicate (stored before), rejected "
      "(wrong secret, or malformed and acknowledged), failed (not stored: Telegram retries).");
  // Every series from the start, at 0: a rate over a series that appears
  // only at its first increment misses that increment.
  for (const HookBot& b : bots_) {
    auto& labels = labels_.emplace_back();
    for (int o = 0; o < kOutcomes; ++o) {
      labels[o] = Labels(b, kOutcomeNames[o]);
      metrics_.Inc(kIngest, labels[o], 0);
    }
  }
}

void UpdateReceiver::Count(const HookBot& bot, Outcome outcome) {
  metrics_.Inc(kIngest, labels_[static_cast<size_t>(&bot - bots_.data())][outcome]);
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
      Count(*bot, kRejected);
      co_return http::ErrorResponse(
          req, Status::Unauthenticated("wrong or missing X-Telegram-Bot-Api-Secret-Token"));
    }
  }
  auto parsed = telegram::ParseUpdate(req.body());
  if (!parsed.ok()) {
    spdlog::warn("bot {}: acknowledged a malformed update ({} bytes): {}", bot->name, req.body().size(),
                 parsed.status().message());
    Count(*bot, kRejected);
    co_return http::JsonResponse(req, 200, "{}");
  }
  const int64_t update_id = parsed->update_id;
  // A named item, moved in: GCC 12 destroys a temporary argument of a
  // coroutine in a co_await twice (GCC bug 99576).
  ReceivedUpdate received{static_cast<size_t>(bot - bots_.data()),
                          store::Update{bot->name, update_id, req.body()}, std::move(*parsed)};
  auto inserted = co_await inserts_.Submit(std::move(received));
  if (!inserted.ok()) {
    // Not acknowledged: Telegram will deliver it again.
    spdlog::error("bot {}: could not store update {}: {}", bot->name, update_id, inserted.status().message());
    Count(*bot, kFailed);
    co_return http::ErrorResponse(req, Status::Unavailable("could not store the update; retry"));
  }
  Count(*bot, *inserted ? kAccepted : kDuplicate);
  co_return http::JsonResponse(req, 200, "{}");
}

Awaitable<Result<std::vector<bool>>> UpdateReceiver::Write(Lifetime::Token life,
                                                           const std::vector<ReceivedUpdate>& batch) {
  UpdateIntake::Taken taken;
  Status s = co_await intake_.TakeInTransaction(life, store_, batch, taken);
  if (life.ended()) co_return Stopped();
  if (!s.ok()) co_return s;
  intake_.Wake(taken);
  co_return std::move(taken.inserted);
}

}  // namespace tgate::webhook
