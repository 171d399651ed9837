// StatusSource: gathers the status page's figures (status/status_snapshot.h)
// for this instance: per bot the dispatcher's figures (BotRuntime::stats),
// the send rate of the last hour (a SendRateHistory per bot, sampled every
// second), the last getWebhookInfo answer, and from the store the queue
// depth, the running broadcasts, the last failures and the outbox backlog.
// On PostgreSQL, a bot this instance does not own names the instance that
// does (cluster/instances.h) instead of live figures.
// Not the page nor its HTTP handling (status/), and it changes nothing.
// Threading and lifetime: the io thread; what the deps name must outlive it.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api/api_context.h"
#include "app/bot_runtime.h"
#include "core/lifetime.h"
#include "pg/pool.h"
#include "status/send_rate_history.h"
#include "status/status_snapshot.h"
#include "store/store.h"

namespace tgate::app {

struct StatusSourceDeps {
  asio::any_io_executor executor;
  const config::Config& config;
  const Clock& clock;
  store::Store& store;
  const std::map<std::string, std::unique_ptr<BotRuntime>>& bots;
  const api::ApiContext& context;  // the usernames getMe gave
  // PostgreSQL: the database (to list who owns what) and this instance's id.
  bool cluster = false;
  std::function<std::string()> instance_id;
};

class StatusSource {
 public:
  explicit StatusSource(StatusSourceDeps deps);
  ~StatusSource();
  StatusSource(const StatusSource&) = delete;
  StatusSource& operator=(const StatusSource&) = delete;

  // Starts sampling the send rates (every second) until destroyed or Stop().
  void Start();
  void Stop() { life_.End(); }
  // For webhook::WebhookCheckOptions::on_info: keeps the bot's last answer.
  std::function<void(const boost::json::object&)> WebhookObserver(const std::string& bot);
  // The figures now.
  Awaitable<status::StatusSnapshot> Gather();

 private:
  struct PerBot {
    explicit PerBot(const Clock& clock) : rate(clock) {}
    status::SendRateHistory rate;
    status::BroadcastPace pace;
    status::WebhookHealth webhook;
  };
  Awaitable<void> SampleLoop(Lifetime::Token life);
  Awaitable<void> FillOwners(Lifetime::Token life, status::StatusSnapshot& s);

  StatusSourceDeps deps_;
  std::map<std::string, std::unique_ptr<PerBot>, std::less<>> per_bot_;
  std::unique_ptr<pg::Pool> pool_;  // PostgreSQL: for ListInstances, made at first need
  Lifetime life_;                   // last: ended first
};

}  // namespace tgate::app
