#include "pg/listener.h"

#include <spdlog/spdlog.h>

#include "core/log_stopped.h"
#include "pg/redact.h"

namespace tgate::pg {

Listener::Listener(asio::any_io_executor executor, std::string conninfo, std::vector<std::string> channels,
                   const Clock& clock, Callbacks callbacks, std::chrono::milliseconds retry)
    : executor_(std::move(executor)),
      conninfo_(std::move(conninfo)),
      channels_(std::move(channels)),
      clock_(clock),
      callbacks_(std::move(callbacks)),
      retry_(retry) {}

Listener::~Listener() = default;

void Listener::Start() { asio::co_spawn(executor_, Loop(life_.token()), LogStopped("pg listener")); }

int Listener::backend_pid() const { return listening_ && connection_ ? connection_->backend_pid() : 0; }

Awaitable<void> Listener::Loop(Lifetime::Token life) {
  std::unique_ptr<Timer> retry = clock_.MakeTimer(executor_);
  bool warned = false;
  for (;;) {
    Result<std::unique_ptr<Connection>> c = co_await Connection::Connect(executor_, conninfo_);
    if (life.ended()) co_return;
    Status s = c.status();
    if (s.ok()) {
      connection_ = std::move(*c);
      for (const std::string& channel : channels_) {
        s = co_await connection_->Listen(channel);
        if (life.ended()) co_return;
        if (!s.ok()) break;
      }
    }
    if (s.ok()) {
      listening_ = true;
      if (warned) spdlog::info("pg listener: listening again on {}", Redact(conninfo_));
      warned = false;
      if (callbacks_.on_listening) callbacks_.on_listening();
      for (;;) {
        Result<Notification> n = co_await connection_->WaitNotification();
        if (life.ended()) co_return;
        if (!n.ok()) {
          s = n.status();
          break;
        }
        if (callbacks_.on_notification) callbacks_.on_notification(*n);
      }
    }
    listening_ = false;
    connection_.reset();
    ++reconnects_;
    if (!warned) {
      // Once per outage: the fallback polls keep the work moving meanwhile.
      spdlog::warn("pg listener: not listening ({}); retrying every {} ms", s.message(), retry_.count());
      warned = true;
    }
    retry->ExpiresAt(clock_.Now() + retry_);
    co_await retry->Wait();
    if (life.ended()) co_return;
  }
}

}  // namespace tgate::pg
