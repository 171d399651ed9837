#include "api/events_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/url.hpp>
#include <vector>

#include "api/event_order.h"
#include "core/log_stopped.h"
#include "core/random.h"
#include "core/status_macros.h"

namespace tgate::api {

namespace {

// The longest pause of every POST while the site is down (Telegram's own
// webhook waits at most 60-120 s between tries, botapi-facts.md).
constexpr std::chrono::milliseconds kMostPause = std::chrono::seconds(60);

}  // namespace

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
  metrics_.Describe("tgate_events_site_down", "gauge",
                    "1 while the site's events endpoint is down (no answer, 5xx, 429): one event at a time "
                    "tries it after a pause; else 0.");
}

Status EventsSender::Start() {
  if (options_.url.empty()) return Status::Ok();
  if (options_.concurrency < 1) return Status::InvalidArgument("events_concurrency must be at least 1");
  metrics_.Set("tgate_events_site_down", "", 0);
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
  co.max_connections = static_cast<size_t>(options_.concurrency);
  co.timeout = std::chrono::seconds(10);
  client_ = std::make_unique<http::Client>(executor_, co);
  TGATE_RETURN_IF_ERROR(client_->Init());
  asio::co_spawn(executor_, Loop(life_.token()), LogStopped("events sender"));
  return Status::Ok();
}

void EventsSender::Notify() { life_.Wake(); }

void EventsSender::Stop() { life_.End(); }

Awaitable<EventsSender::Answer> EventsSender::Deliver(const store::Event& event) {
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
    co_return Answer::kSiteDown;
  }
  if (r->status / 100 != 2) {
    spdlog::warn("event {} not delivered: the site answered {}", event.id, r->status);
    co_return r->status >= 500 || r->status == 429 ? Answer::kSiteDown : Answer::kRefused;
  }
  co_return Answer::kDelivered;
}

Awaitable<void> EventsSender::Loop(Lifetime::Token life) {
  while (!life.ended()) {
    if (!delivered_.empty() && (!write_failing_ || clock_.Now() >= write_again_at_)) {
      co_await WriteDelivered(life);
      if (life.ended()) co_return;
    }
    const int64_t now_ms = WallMs();
    // Read more before the waiting run out, so the POSTs never wait for it.
    if (waiting_.size() < options_.batch / 2) {
      co_await ReadDue(life, now_ms);
      if (life.ended()) co_return;
    }
    StartWaiting(life);
    if (!delivered_.empty() && !write_failing_) continue;  // delivered while the outbox was read
    if (on_the_way_ > 0) {
      // Each POST's end wakes the loop to write it and start the next (or
      // the time to write again what the store failed to).
      const SteadyTime until = write_failing_ ? write_again_at_ : clock_.Now() + std::chrono::seconds(30);
      co_await life.Sleep(until - clock_.Now());
      continue;
    }
    if (write_failing_) {
      // Nothing goes until what was delivered is written.
      co_await life.Sleep(write_again_at_ - clock_.Now());
      continue;
    }
    if (!waiting_.empty()) {
      // The site is down: the pause ends, then one event goes.
      co_await life.Sleep(paused_until_ - clock_.Now());
      continue;
    }
    // Nothing on its way, so nothing waits either (StartWaiting started the
    // oldest). Sleep until the next retry is due, or until notified of a new
    // event.
    auto next = co_await store_.NextEventDue();
    if (life.ended()) co_return;
    std::chrono::milliseconds wait(30000);
    if (next.ok() && *next > 0)
      wait = std::clamp(std::chrono::milliseconds(*next - now_ms), std::chrono::milliseconds(10), wait);
    co_await life.Sleep(wait);
  }
}

Awaitable<void> EventsSender::ReadDue(Lifetime::Token life, int64_t now_ms) {
  // The held (waiting or on their way) are among the soonest due: read past
  // them.
  reading_ = true;
  auto due = co_await store_.DueEvents(now_ms, options_.batch + held_.size());
  if (life.ended()) co_return;
  reading_ = false;
  if (!due.ok()) {
    spdlog::error("events outbox: {}", due.status().message());
  } else {
    // In id order, the order they were made: one read may hold a chat's
    // retried event and a later one (it comes due sooner).
    std::sort(due->begin(), due->end(),
              [](const store::Event& a, const store::Event& b) { return a.id < b.id; });
    for (store::Event& e : *due) {
      if (held_.contains(e.id) || finished_while_reading_.contains(e.id)) continue;
      held_.insert(e.id);
      std::string key = EventOrderKey(e.payload);
      waiting_.push_back({std::move(e), std::move(key)});
    }
  }
  finished_while_reading_.clear();
}

void EventsSender::StartWaiting(const Lifetime::Token& life) {
  // While the store cannot remove what was delivered, nothing more goes.
  if (write_failing_) return;
  // While the site is down: nothing until the pause ends, then one event.
  if (SiteDownPauses()) return;
  const int most = site_failures_ > 0 ? 1 : options_.concurrency;
  // The events to start are taken out of line first and started after: a
  // POST may end before its co_spawn returns (the client reads an answer
  // that is already in the socket at once, and a site on this machine can
  // answer before the write returns). Started from inside the walk, one
  // that found the site down went back in line under the walk's iterator
  // and freed its place, so every event in line went, one after another,
  // where the pause lets one.
  std::vector<Waiting> starting;
  for (auto it = waiting_.begin(); it != waiting_.end() && on_the_way_ < most;) {
    if (!it->key.empty() && !busy_.insert(it->key).second) {
      ++it;  // its chat has one on its way: it goes after that one
      continue;
    }
    ++on_the_way_;
    starting.push_back(std::move(*it));
    it = waiting_.erase(it);
  }
  for (size_t i = 0; i < starting.size(); ++i) {
    if (SiteDownPauses()) {
      // One started just now found the site down: the rest wait out the
      // pause in line, where they were.
      for (size_t k = i; k < starting.size(); ++k) {
        if (!starting[k].key.empty()) busy_.erase(starting[k].key);
        --on_the_way_;
        BackInLine(std::move(starting[k]));
      }
      break;
    }
    asio::co_spawn(executor_, Post(life, std::move(starting[i].event), std::move(starting[i].key)),
                   LogStopped("events sender"));
  }
}

bool EventsSender::SiteDownPauses() const { return site_failures_ > 0 && clock_.Now() < paused_until_; }

void EventsSender::BackInLine(Waiting w) {
  auto place = std::find_if(waiting_.begin(), waiting_.end(),
                            [&](const Waiting& o) { return o.event.id > w.event.id; });
  waiting_.insert(place, std::move(w));
}

Awaitable<void> EventsSender::Post(Lifetime::Token life, store::Event event, std::string key) {
  const Answer answer = co_await Deliver(event);
  if (life.ended()) co_return;
  const bool ok = answer == Answer::kDelivered;
  metrics_.Inc("tgate_events_total", ok ? "outcome=\"delivered\"" : "outcome=\"retry\"");
  if (answer == Answer::kSiteDown && (site_failures_ == 0 || clock_.Now() >= paused_until_)) {
    // No more at once until it answers: a site that is down is not sent
    // every due event (a storm of POSTs and warnings), only one now and then.
    // (Those already on their way when the pause began do not lengthen it.)
    ++site_failures_;
    const auto pause = std::min<std::chrono::milliseconds>(
        options_.first_retry * (1LL << std::min(site_failures_ - 1, 20)), kMostPause);
    paused_until_ = clock_.Now() + pause;
    metrics_.Set("tgate_events_site_down", "", 1);
    if (site_failures_ == 1)
      spdlog::warn(
          "events: the site at events_url is down; one event at a time, tried again after a pause "
          "from {} ms doubling to {} s, until it answers",
          options_.first_retry.count(), kMostPause.count() / 1000);
  } else if (answer != Answer::kSiteDown && site_failures_ > 0) {
    // It answered (a refusal is this event's): up again.
    spdlog::info("events: the site at events_url answers again (after {} failed tries)", site_failures_);
    site_failures_ = 0;
    metrics_.Set("tgate_events_site_down", "", 0);
  }
  if (ok) {
    // Written by the loop, with the others delivered meanwhile. The chat's
    // next event may go now: this one has reached the site.
    delivered_.push_back(event.id);
  } else if (answer == Answer::kSiteDown) {
    // Back in line where it was (the pause times the next try, not a
    // backoff of its own): it still goes before its chat's later events,
    // and nothing is written while the site is down.
    BackInLine(Waiting{std::move(event), key});
  } else {
    auto delay = options_.first_retry * (1LL << std::min(event.attempts, 20));
    if (delay > options_.max_retry) delay = options_.max_retry;
    Status s = co_await store_.EventRetry(event.id, event.attempts + 1, WallMs() + delay.count());
    if (life.ended()) co_return;
    // NotFound: retention dropped the event while it was on its way.
    if (!s.ok() && !s.IsNotFound()) spdlog::error("events outbox: {}", s.message());
    held_.erase(event.id);
    if (reading_) finished_while_reading_.insert(event.id);
  }
  if (!key.empty()) busy_.erase(key);
  --on_the_way_;
  life_.Wake();
}

Awaitable<void> EventsSender::WriteDelivered(Lifetime::Token life) {
  std::vector<int64_t> ids;
  ids.swap(delivered_);
  const Status s = co_await store_.EventsDelivered(ids);
  if (life.ended()) co_return;
  if (!s.ok()) {
    // Written again after a pause, and nothing more goes meanwhile: sent
    // again, they would reach the site once more at every failed write, and
    // what is delivered would pile up unwritten. (A stop or a crash leaves
    // them in the outbox: they go again, and the site dedupes.)
    spdlog::error("events outbox: {}; writing the delivered events again in {} ms", s.message(),
                  options_.first_retry.count());
    delivered_.insert(delivered_.begin(), ids.begin(), ids.end());
    write_failing_ = true;
    write_again_at_ = clock_.Now() + options_.first_retry;
    co_return;
  }
  write_failing_ = false;
  for (int64_t id : ids) held_.erase(id);
}

int64_t EventsSender::WallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
}

}  // namespace tgate::api
