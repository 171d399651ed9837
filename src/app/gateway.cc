#include "app/gateway.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <map>

#include "api/api_context.h"
#include "api/events_sender.h"
#include "api/router.h"
#include "app/build_info.h"
#include "app/closing_summary.h"
#include "app/fd_limit.h"
#include "app/instance_lock.h"
#include "app/pruner.h"
#include "core/lifetime.h"
#include "core/log_stopped.h"
#include "core/metrics.h"
#include "core/status_macros.h"
#include "dispatch/dispatcher.h"
#include "http/server.h"
#include "link/linker.h"
#include "pg/connection.h"
#include "store/db_files.h"
#include "store/open_store.h"
#include "store/store.h"
#include "telegram/http_bot_api.h"
#include "webhook/long_poller.h"
#include "webhook/update_processor.h"
#include "webhook/update_receiver.h"
#include "webhook/webhook_check.h"

namespace tgate::app {

namespace {
constexpr auto kShutdownGrace = std::chrono::seconds(10);
}  // namespace

// Per-bot components, in the order they are built.
struct BotRuntime {
  const config::BotConfig* config = nullptr;
  // The dispatcher's requests run on `answers`, which it polls once per tick
  // (see dispatcher.h); declared before what runs on it, so it outlives it.
  std::unique_ptr<asio::io_context> answers;
  std::unique_ptr<telegram::HttpBotApi> send_api;  // sendMessage, on `answers`
  std::unique_ptr<telegram::HttpBotApi> api;       // getMe, getUpdates, on the main io_context
  std::unique_ptr<dispatch::Dispatcher> dispatcher;
  std::unique_ptr<webhook::UpdateProcessor> processor;
  std::unique_ptr<webhook::LongPoller> poller;
};

struct Gateway::Impl {
  Impl(asio::io_context& io, config::Config c, const Clock& clk) : io(io), config(std::move(c)), clock(clk) {}

  Awaitable<Status> OpenStore();
  Awaitable<Status> GuardPostgres();
  // The listener's options: the connection cap within the open-file limit,
  // the webhook as the connections closed last.
  http::ServerOptions ServerOptionsFor(const std::string& host, uint16_t port);
  void DescribeServer(const http::Server& s);
  // Registers the bot's delivery figures with `metrics`.
  void DescribeDispatch(const std::string& bot, const dispatch::Dispatcher& d);
  // Registers the bot's figures of updates set aside (issue 11).
  void DescribeSetAside(const std::string& bot, const webhook::UpdateProcessor& p);
  Awaitable<void> ReadPending(std::string bot, std::string labels);
  Awaitable<void> ReadSetAside(std::string bot, std::string labels);
  Status StartBot(const config::BotConfig& bc);
  Awaitable<void> LearnUsername(Lifetime::Token life, std::string bot);

  asio::io_context& io;
  config::Config config;
  const Clock& clock;
  Metrics metrics;
  std::unique_ptr<InstanceLock> lock;  // declared before the store: released after it closes
  // PostgreSQL's counterpart of `lock`, until instances share a database by
  // leases (src/cluster/, not wired yet): a connection holding a session
  // advisory lock on the database, so a second tgate refuses to start
  // instead of sending everything twice.
  std::unique_ptr<pg::Connection> pg_guard;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<link::Linker> linker;
  std::map<std::string, BotRuntime> bots;
  std::unique_ptr<api::ApiContext> context;
  std::unique_ptr<api::EventsSender> events;
  std::unique_ptr<Pruner> pruner;
  std::unique_ptr<webhook::UpdateReceiver> receiver;
  std::unique_ptr<api::Router> router;
  std::unique_ptr<http::Server> server;
  // The Gateway's own coroutines (LearnUsername): ended by Stop() and by
  // destroying the Gateway.
  Lifetime life;
};

void Gateway::Impl::DescribeDispatch(const std::string& bot, const dispatch::Dispatcher& d) {
  // Read at every scrape. Counts since this process started are counters;
  // the rest are gauges.
  struct Figure {
    const char* name;
    const char* type;
    const char* help;
    uint64_t dispatch::DispatcherStats::*field;
  };
  using S = dispatch::DispatcherStats;
  static constexpr Figure kFigures[] = {
      {"tgate_dispatch_sent_total", "counter", "Messages delivered to Telegram.", &S::sent},
      {"tgate_dispatch_failed_total", "counter", "Messages given up on (blocked, not found, attempts).",
       &S::failed},
      {"tgate_dispatch_retried_total", "counter", "Sends retried after 5xx, a timeout or a reset.",
       &S::retried},
      {"tgate_dispatch_rate_limited_total", "counter", "429s Telegram answered.", &S::rate_limited},
      {"tgate_dispatch_in_flight", "gauge", "sendMessage requests under way.", &S::in_flight},
      {"tgate_dispatch_loaded", "gauge", "Queued messages held in memory by the dispatcher.", &S::loaded},
      {"tgate_dispatch_expired_total", "counter",
       "Messages failed as expired (ttl_seconds or max_queue_age).", &S::expired},
      {"tgate_bot_api_outage", "gauge", "1 while Telegram cannot be reached and sending is paused.",
       &S::outage},
  };
  const std::string l = "bot=\"" + bot + "\"";
  for (const Figure& f : kFigures) {
    metrics.Describe(f.name, f.type, f.help);
    metrics.Gauge(f.name, l, [&d, field = f.field] { return double(d.stats().*field); });
  }
  metrics.Describe("tgate_dispatch_global_rate", "gauge",
                   "Global send rate now (msg/s); lowered after 429s.");
  metrics.Gauge("tgate_dispatch_global_rate", l, [&d] { return d.stats().global_rate; });
  metrics.Describe("tgate_dispatch_jitter_margin_seconds", "gauge",
                   "Margin Telegram's windows are widened by for the measured spread of round trips (s).");
  metrics.Gauge("tgate_dispatch_jitter_margin_seconds", l, [&d] { return d.stats().jitter_margin_seconds; });
  metrics.Describe("tgate_bot_api_outage_seconds_total", "counter", "Seconds Telegram could not be reached.");
  metrics.Gauge("tgate_bot_api_outage_seconds_total", l, [&d] { return d.stats().outage_seconds; });
  metrics.Describe("tgate_queue_pending", "gauge",
                   "Messages still to send: one-to-one queued and running broadcasts' pending.");
  metrics.OnScrape([this, bot, l] { return ReadPending(bot, l); });
}

// Figures read from the store on each scrape (Metrics::OnScrape). Their
// arguments are copies: a scrape may outlast nothing of the caller's.
Awaitable<void> Gateway::Impl::ReadPending(std::string bot, std::string labels) {
  auto n = co_await store->PendingMessages(bot);
  if (!n.ok()) {
    spdlog::warn("bot {}: cannot count the pending messages for /metrics: {}", bot, n.status().message());
  }
  // -1: not a count: the scrape shows the store could not say.
  metrics.Set("tgate_queue_pending", labels, n.ok() ? double(*n) : -1.0);
}

Awaitable<void> Gateway::Impl::ReadSetAside(std::string bot, std::string labels) {
  auto n = co_await store->CountSetAsideUpdates(bot);
  if (!n.ok()) {
    spdlog::warn("bot {}: cannot count the set-aside updates for /metrics: {}", bot, n.status().message());
  }
  metrics.Set("tgate_updates_set_aside", labels, n.ok() ? double(*n) : -1.0);
}

void Gateway::Impl::DescribeSetAside(const std::string& bot, const webhook::UpdateProcessor& p) {
  const std::string l = "bot=\"" + bot + "\"";
  metrics.Describe("tgate_updates_set_aside_total", "counter",
                   "Updates set aside by this process because they could not be processed.");
  metrics.Gauge("tgate_updates_set_aside_total", l, [&p] { return double(p.set_aside()); });
  metrics.Describe("tgate_updates_set_aside", "gauge",
                   "Set-aside updates kept in the database (until retention).");
  metrics.OnScrape([this, bot, l] { return ReadSetAside(bot, l); });
}

http::ServerOptions Gateway::Impl::ServerOptionsFor(const std::string& host, uint16_t port) {
  http::ServerOptions so;
  so.host = host;
  so.port = port;
  so.body_limit = config.max_body_bytes;
  so.priority_prefixes = {"/hooks/telegram/"};
  const FdLimits fds = RaiseFdLimit();
  uint64_t in_flight = 0;
  for (const config::BotConfig& bc : config.bots) in_flight += static_cast<uint64_t>(bc.limits.max_in_flight);
  const uint64_t reserve = FdReserve(in_flight, config.bots.size());
  bool clamped = false;
  so.max_connections =
      ConnectionCap(static_cast<uint64_t>(config.max_connections), fds.soft, reserve, &clamped);
  if (clamped) {
    spdlog::warn(
        "http server: at most {} connections: the open-file limit {} less {} descriptors kept for the "
        "store and Telegram{}; raise the hard limit (LimitNOFILE=, ulimit -Hn) for more",
        so.max_connections, fds.soft, reserve,
        config.max_connections != 0
            ? " (max_connections asked for " + std::to_string(config.max_connections) + ")"
            : std::string());
  } else {
    spdlog::info("http server: at most {} connections (max_connections)", so.max_connections);
  }
  return so;
}

void Gateway::Impl::DescribeServer(const http::Server& s) {
  metrics.Describe("tgate_http_connections", "gauge", "Site API and webhook connections open now.");
  metrics.Gauge("tgate_http_connections", "", [&s] { return double(s.stats().open); });
  metrics.Describe("tgate_http_connections_evicted_total", "counter",
                   "Idle connections closed to make room (max_connections reached, or no descriptors left).");
  metrics.Gauge("tgate_http_connections_evicted_total", "", [&s] { return double(s.stats().evicted); });
  metrics.Describe("tgate_http_connections_refused_total", "counter",
                   "New connections closed at once: max_connections reached and every connection busy.");
  metrics.Gauge("tgate_http_connections_refused_total", "", [&s] { return double(s.stats().refused); });
  metrics.Describe("tgate_http_accept_errors_total", "counter",
                   "Failed accepts (e.g. out of file descriptors).");
  metrics.Gauge("tgate_http_accept_errors_total", "", [&s] { return double(s.stats().accept_errors); });
}

Awaitable<Status> Gateway::Impl::OpenStore() {
  const bool postgres = pg::IsPostgresUrl(config.db);
  // SQLite, before the store is opened (and migrated): a second tgate must
  // change nothing in the first one's database. PostgreSQL is shared by
  // design: several instances run on one database.
  if (!postgres && !lock) {
    auto locked = InstanceLock::Acquire(config.db);
    if (!locked.ok()) co_return locked.status();
    lock = std::move(*locked);
  }
  // A named local, not a braced temporary in the co_await: GCC 12 destroys
  // such temporaries twice.
  const store::StoreOptions options{config.db, config.db_synchronous, &clock};
  auto s = co_await store::OpenStore(io.get_executor(), options);
  if (!s.ok()) {
    // OpenStore's PostgreSQL errors name the database already (password redacted).
    if (postgres) co_return s.status();
    co_return Status(s.status().code(), "cannot open database '" + config.db + "': " + s.status().message());
  }
  store = std::move(*s);
  linker = std::make_unique<link::Linker>(*store, clock);
  if (postgres) {
    Status guarded = co_await GuardPostgres();
    if (!guarded.ok()) co_return guarded;
    spdlog::info("store: PostgreSQL {}", pg::Redact(config.db));
    co_return Status::Ok();
  }
  metrics.Describe("tgate_db_wal_bytes", "gauge",
                   "Size of the database's write-ahead log file (bytes); checkpoints empty it past 16 MiB.");
  metrics.Gauge("tgate_db_wal_bytes", "", [path = config.db] { return double(store::WalFileBytes(path)); });
  co_return Status::Ok();
}

// One tgate per PostgreSQL database for now: every instance would run every
// bot's dispatcher. The lock is the session's: it goes with the connection,
// so a stopped or killed tgate frees it at once (a vanished host, once the
// keepalives give up).
Awaitable<Status> Gateway::Impl::GuardPostgres() {
  auto conn = co_await pg::Connection::Connect(io.get_executor(), config.db);
  if (!conn.ok()) co_return conn.status();
  constexpr int64_t kServeLockKey = 0x7467617465'0001;  // "tgate", 1
  pg::Params key;
  key.Add(kServeLockKey);
  auto locked = co_await (*conn)->Query("SELECT pg_try_advisory_lock($1::bigint)", key);
  if (!locked.ok()) co_return locked.status();
  if (locked->empty() || !locked->Bool(0, 0)) {
    co_return Status::Conflict("another tgate is already serving the PostgreSQL database " +
                               pg::Redact(config.db) +
                               "; several instances on one database are not supported yet: stop the other "
                               "tgate, or give this one a database of its own");
  }
  pg_guard = std::move(*conn);
  co_return Status::Ok();
}

Status Gateway::Impl::StartBot(const config::BotConfig& bc) {
  BotRuntime& rt = bots[bc.name];
  rt.config = &bc;
  telegram::HttpBotApiOptions ao;
  ao.token = bc.token;
  ao.base_url = bc.api_url;
  ao.max_connections = 4;  // getMe, getUpdates, webhook calls
  rt.api = std::make_unique<telegram::HttpBotApi>(io.get_executor(), ao);
  if (Status s = rt.api->Init(); !s.ok()) return Status(s.code(), "bot '" + bc.name + "': " + s.message());
  rt.answers = std::make_unique<asio::io_context>(1);
  ao.max_connections = static_cast<size_t>(bc.limits.max_in_flight);
  rt.send_api = std::make_unique<telegram::HttpBotApi>(rt.answers->get_executor(), ao);
  if (Status s = rt.send_api->Init(); !s.ok())
    return Status(s.code(), "bot '" + bc.name + "': " + s.message());

  dispatch::DispatcherOptions d;
  d.bot = bc.name;
  static_cast<telegram::RateLimits&>(d) = bc.limits;
  d.max_in_flight = bc.limits.max_in_flight;
  d.max_attempts = bc.limits.max_attempts;
  d.max_queue_age = std::chrono::seconds(config.MaxQueueAgeSeconds(bc));
  api::EventsSender* events_sender = events.get();
  d.on_events = [events_sender] { events_sender->Notify(); };
  rt.dispatcher = std::make_unique<dispatch::Dispatcher>(io.get_executor(), *store, *store, *store,
                                                         *rt.send_api, clock, d, rt.answers.get());

  webhook::ProcessorOptions po{bc.name, "", bc.welcome_text, bc.invalid_link_text};
  dispatch::Dispatcher* disp = rt.dispatcher.get();
  api::EventsSender* ev = events.get();
  rt.processor =
      std::make_unique<webhook::UpdateProcessor>(io.get_executor(), *store, *linker, clock, po, [disp, ev] {
        disp->Notify();
        ev->Notify();
      });
  if (bc.long_polling) {
    webhook::UpdateProcessor* proc = rt.processor.get();
    rt.poller = std::make_unique<webhook::LongPoller>(
        io.get_executor(), *rt.api, *store, webhook::LongPollerOptions{bc.name}, [proc] { proc->Notify(); });
  }
  return Status::Ok();
}

// getMe gives the bot's username for t.me links. Retried until it answers:
// tgate serves (and queues) meanwhile; only link creation waits for it.
// Ends at Stop() or with the Gateway (core/lifetime.h).
Awaitable<void> Gateway::Impl::LearnUsername(Lifetime::Token life, std::string bot) {
  std::chrono::seconds delay{1};
  while (!life.ended()) {
    BotRuntime& rt = bots.at(bot);
    telegram::ApiResult r = co_await rt.api->Call("getMe", {}, std::chrono::seconds(10));
    if (life.ended()) co_return;
    if (r.ok() && r.result.is_object() && r.result.as_object().contains("username")) {
      std::string username(r.result.as_object().at("username").as_string());
      context->bots[bot].username = username;
      spdlog::info("bot {}: Telegram knows it as @{}", bot, username);
      co_return;
    }
    if (r.kind == telegram::ErrorKind::kUnauthorized || r.kind == telegram::ErrorKind::kNotFound) {
      spdlog::error("bot {}: Telegram rejected the bot token ({}); check TGATE_BOT_TOKEN", bot,
                    r.description);
    } else {
      spdlog::warn("bot {}: getMe failed ({}); retrying in {} s", bot, r.description, delay.count());
    }
    co_await life.Sleep(delay);
    if (life.ended()) co_return;
    delay = std::min(delay * 2, std::chrono::seconds(60));
  }
}

Gateway::Gateway(asio::io_context& io, config::Config config, const Clock& clock,
                 std::unique_ptr<InstanceLock> lock)
    : impl_(std::make_unique<Impl>(io, std::move(config), clock)) {
  impl_->lock = std::move(lock);
}

Gateway::~Gateway() = default;

Awaitable<Status> Gateway::Open() { co_return co_await impl_->OpenStore(); }

Status Gateway::Start() {
  Impl& g = *impl_;
  if (!g.store) return Status::Internal("Gateway::Start before Open");
  DescribeBuildInfo(g.metrics);
  api::EventsSenderOptions eo{g.config.events_url, g.config.events_secret};
  g.events = std::make_unique<api::EventsSender>(g.io.get_executor(), *g.store, g.clock, g.metrics, eo);
  g.context = std::make_unique<api::ApiContext>(
      api::ApiContext{g.config, *g.store, *g.store, *g.store, *g.linker, g.clock, g.metrics, {}});
  std::vector<webhook::HookBot> hooks;
  for (const config::BotConfig& bc : g.config.bots) {
    TGATE_RETURN_IF_ERROR(g.StartBot(bc));
    BotRuntime& rt = g.bots.at(bc.name);
    dispatch::Dispatcher* disp = rt.dispatcher.get();
    api::EventsSender* ev = g.events.get();
    g.context->bots[bc.name] = api::BotHandle{&bc, "",
                                              [disp, ev] {
                                                disp->Notify();
                                                ev->Notify();
                                              },
                                              [disp](int64_t id) { disp->CancelBroadcast(id); },
                                              [disp] { return disp->stats().outage != 0; }};
    webhook::UpdateProcessor* proc = rt.processor.get();
    if (!bc.long_polling)
      hooks.push_back({bc.name, bc.webhook_path, bc.webhook_secret, [proc] { proc->Notify(); }});
  }
  g.receiver = std::make_unique<webhook::UpdateReceiver>(*g.store, g.metrics, std::move(hooks));
  g.router = std::make_unique<api::Router>(*g.context, *g.receiver);

  TGATE_ASSIGN_OR_RETURN(auto hp, config::SplitHostPort(g.config.listen));
  http::ServerOptions so = g.ServerOptionsFor(hp.first, hp.second);
  api::Router* router = g.router.get();
  g.server = std::make_unique<http::Server>(
      g.io.get_executor(), so,
      [router](http::Request req) -> Awaitable<http::Response> { co_return co_await router->Handle(req); });
  if (Status s = g.server->Start(); !s.ok()) {
    return Status(s.code(), "cannot listen on " + g.config.listen + ": " + s.message() +
                                " (set TGATE_LISTEN or listen in the config to another address)");
  }
  g.DescribeServer(*g.server);
  TGATE_RETURN_IF_ERROR(g.events->Start());
  PrunerOptions po;
  po.retention = std::chrono::days(g.config.retention_days);
  po.events_taken = !g.config.events_url.empty();
  g.pruner = std::make_unique<Pruner>(g.io.get_executor(), *g.store, g.clock, po);
  g.pruner->Start();
  for (auto& [name, rt] : g.bots) {
    rt.dispatcher->Start();
    rt.processor->Start();
    if (rt.poller) rt.poller->Start();
    asio::co_spawn(g.io, g.LearnUsername(g.life.token(), name), LogStopped("bot " + name + ": getMe"));
    if (!rt.poller) {
      const config::BotConfig& c = *rt.config;
      asio::co_spawn(g.io,
                     webhook::KeepWebhookPointingHere(
                         g.life.token(), *rt.api,
                         {name, c.public_url, c.webhook_path, c.webhook_secret, c.webhook_certificate}),
                     LogStopped("bot " + name + ": webhook check"));
    }
    spdlog::info(
        "bot {}: {} (limits: {}/s global, {}/s per chat, {}/min per group)", name,
        rt.poller ? "long polling getUpdates" : "receiving webhooks at /hooks/telegram/<webhook_path>",
        rt.config->limits.global_per_sec, rt.config->limits.chat_per_sec, rt.config->limits.group_per_min);
  }
  for (auto& [name, rt] : g.bots) g.DescribeDispatch(name, *rt.dispatcher);
  for (auto& [name, rt] : g.bots) g.DescribeSetAside(name, *rt.processor);
  // On stdout whatever the log level: scripts and tests wait for this line.
  std::printf("tgate listening on %s:%u\n", hp.first.c_str(), static_cast<unsigned>(g.server->port()));
  std::fflush(stdout);
  return Status::Ok();
}

Awaitable<void> Gateway::Stop() {
  Impl& g = *impl_;
  g.life.End();  // LearnUsername
  if (g.server) g.server->Stop();
  if (g.pruner) g.pruner->Stop();
  for (auto& [name, rt] : g.bots) {
    if (rt.poller) rt.poller->Stop();
    rt.processor->Stop();
  }
  for (auto& [name, rt] : g.bots) co_await rt.dispatcher->Stop(kShutdownGrace);
  for (auto& [name, rt] : g.bots) co_await LogClosingSummary(name, rt.dispatcher->stats(), *g.store);
  if (g.events) g.events->Stop();
}

uint16_t Gateway::port() const { return impl_->server ? impl_->server->port() : 0; }
const config::Config& Gateway::config() const { return impl_->config; }

}  // namespace tgate::app
