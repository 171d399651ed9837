#include "api/events_sender.h"

#include <spdlog/spdlog.h>

#include <boost/url.hpp>

#include "core/log_stopped.h"
#include "core/random.h"
#include "core/status_macros.h"

namespace tgate::api {

std::string SignEvent(std::string_view secret, int64_t timestamp, std::string_view body) {
  std::string signed_text = std::to_string(timestamp);
  signed_text += '.';
  signed_text += body;
  return "sha256=" + HmacSha256Hex(secret, signed_text);
}

EventsSender::EventsSender(asio::any_io_executor executor, store::OutboxStore& store, const Clock& clock,
                           Metrics& metrics, EventsSenderOptions options)
    : executor_(executor), store_(store), clock_(clock), metrics_(metrics), options_(std::move(options)) {
  metrics_.Describe("tgate_events_total", "counter", "Events POSTed to the site, by outcome.");
}

Status EventsSender::Start() {
  if (options_.url.empty()) return Status::Ok();
  auto url = boost::urls::parse_absolute_uri(options_.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    return Status::InvalidArgument("events_url must be an absolute http:// or https:// URL");
  }
  std::string origin = std::string(url->scheme()) + "://" + std::string(url->encoded_host_and_port());
  target_ = std::string(url->encoded_path());
  if (target_.empty()) target_ = "/";
  if (url->has_query()) target_ += "?" + std::string(url->encoded_query());
  http::ClientOptions co;
  co.base_url = origin;
  co.max_connections = 4;
  co.timeout = std::chrono::seconds(10);
  client_ = std::make_unique<http::Client>(executor_, co);
  TGATE_RETURN_IF_ERROR(client_->Init());
  asio::co_spawn(executor_, Loop(life_.token()), LogStopped("events sender"));
  return Status::Ok();
}

void EventsSender::Notify() { life_.Wake(); }

void EventsSender::Stop() { life_.End(); }

Awaitable<bool> EventsSender::Deliver(const store::Event& event) {
  int64_t ts = clock_.UnixSeconds();
  std::string body = event.payload;
  // (Headers are built before the co_await: GCC 12 miscompiles braced string
  // literals inside a co_await expression.)
  http::Client::Headers headers;
  headers.emplace_back("X-Tgate-Event-Id", std::to_string(event.id));
  headers.emplace_back("X-Tgate-Timestamp", std::to_string(ts));
  if (!options_.secret.empty())
    headers.emplace_back("X-Tgate-Signature", SignEvent(options_.secret, ts, body));
  auto r = co_await client_->SendWithHeaders(bhttp::verb::post, target_, "application/json", body,
                                             std::move(headers));
  if (!r.ok()) {
    spdlog::warn("event {} not delivered: {}", event.id, r.status().message());
    co_return false;
  }
  if (r->status / 100 != 2) {
    spdlog::warn("event {} not delivered: the site answered {}", event.id, r->status);
    co_return false;
  }
  co_return true;
}

Awaitable<void> EventsSender::Loop(Lifetime::Token life) {
  while (!life.ended()) {
    int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
    auto due = co_await store_.DueEvents(now_ms, options_.batch);
    if (life.ended()) co_return;
    if (due.ok()) {
      for (const store::Event& e : *due) {
        if (life.ended()) co_return;
        bool ok = co_await Deliver(e);
        if (life.ended()) co_return;
        metrics_.Inc("tgate_events_total", ok ? "outcome=\"delivered\"" : "outcome=\"retry\"");
        Status s;
        if (ok) {
          s = co_await store_.EventDelivered(e.id);
        } else {
          auto delay = options_.first_retry * (1LL << std::min(e.attempts, 20));
          if (delay > options_.max_retry) delay = options_.max_retry;
          s = co_await store_.EventRetry(e.id, e.attempts + 1, now_ms + delay.count());
        }
        if (life.ended()) co_return;
        // NotFound: retention dropped the event while it was on its way.
        if (!s.ok() && !s.IsNotFound()) spdlog::error("events outbox: {}", s.message());
      }
      if (!due->empty()) continue;
    } else {
      spdlog::error("events outbox: {}", due.status().message());
    }
    // Sleep until the next retry is due, or until notified of a new event.
    auto next = co_await store_.NextEventDue();
    if (life.ended()) co_return;
    std::chrono::milliseconds wait(30000);
    if (next.ok() && *next > 0)
      wait = std::clamp(std::chrono::milliseconds(*next - now_ms), std::chrono::milliseconds(10), wait);
    co_await life.Sleep(wait);
  }
}

}  // namespace tgate::api
