#include "tools/emulator/webhook_sender.h"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "tools/emulator/webhook_post.h"

namespace tgate::emulator {

struct WebhookSender::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, BotState& s, const Clock& c, std::chrono::milliseconds t)
      : strand(std::move(ex)), state(s), clock(c), timeout(t), timer(strand) {}

  Awaitable<void> DeliverLoop();
  Awaitable<void> Deliver(Delivery d, std::string url, std::string secret, std::string certificate_pem);
  void StartReady();

  asio::any_io_executor strand;
  BotState& state;
  const Clock& clock;
  std::chrono::milliseconds timeout;
  asio::steady_timer timer;
  bool woken = false;
  bool stopped = false;
};

void WebhookSender::Impl::StartReady() {
  const auto& hook = state.webhook;
  if (hook.url.empty()) return;
  while (auto d = state.updates.TakeReady(clock.Now(), static_cast<size_t>(hook.max_connections))) {
    asio::co_spawn(strand, Deliver(std::move(*d), hook.url, hook.secret_token, hook.certificate_pem),
                   asio::detached);
  }
}

Awaitable<void> WebhookSender::Impl::DeliverLoop() {
  auto self = shared_from_this();
  while (!stopped) {
    woken = false;
    StartReady();
    if (woken) continue;
    auto next = state.webhook.url.empty() ? std::nullopt : state.updates.NextWakeup();
    // Sleep until the earliest retry, or until Wake() cancels the timer.
    timer.expires_at(next ? std::max(*next, clock.Now()) : SteadyTime::max());
    co_await timer.async_wait(kAsTuple);
  }
}

Awaitable<void> WebhookSender::Impl::Deliver(Delivery d, std::string url, std::string secret,
                                             std::string certificate_pem) {
  auto self = shared_from_this();
  std::string body = boost::json::serialize(d.update);
  PostOutcome out =
      co_await PostUpdate(strand, url, secret, std::move(certificate_pem), std::move(body), timeout);
  if (stopped) co_return;
  if (out.ok()) {
    ++state.stats.webhook_delivered;
    state.updates.Ack(d);
  } else {
    ++state.stats.webhook_failed;
    state.webhook.last_error_date = clock.UnixSeconds();
    state.webhook.last_error_message = out.error;
    auto delay = state.updates.Nack(d, clock.Now());
    spdlog::debug("emulator: webhook delivery of update {} failed ({}); retry in {} ms", d.update_id,
                  out.error, delay.count());
  }
  woken = true;
  timer.cancel();
}

WebhookSender::WebhookSender(asio::any_io_executor strand, BotState& state, const Clock& clock,
                             std::chrono::milliseconds timeout)
    : impl_(std::make_shared<Impl>(std::move(strand), state, clock, timeout)) {}

WebhookSender::~WebhookSender() { impl_->stopped = true; }

void WebhookSender::Start() { asio::co_spawn(impl_->strand, impl_->DeliverLoop(), asio::detached); }

void WebhookSender::Wake() {
  impl_->woken = true;
  impl_->timer.cancel();
}

void WebhookSender::Stop() {
  asio::dispatch(impl_->strand, [impl = impl_] {
    impl->stopped = true;
    impl->timer.cancel();
  });
}

}  // namespace tgate::emulator
