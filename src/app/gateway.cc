#include "app/gateway.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>

#include "api/api_context.h"
#include "api/events_sender.h"
#include "api/router.h"
#include "api/write_probe.h"
#include "app/bot_runtime.h"
#include "app/build_info.h"
#include "app/closing_summary.h"
#include "app/instance_lock.h"
#include "app/listener_options.h"
#include "app/pruner.h"
#include "app/status_source.h"
#include "cluster/instance_id.h"
#include "cluster/lease_keeper.h"
#include "core/json_log_format.h"
#include "core/lifetime.h"
#include "core/log_stopped.h"
#include "core/metrics.h"
#include "core/status_macros.h"
#include "dispatch/dispatcher.h"
#include "http/server.h"
#include "link/linker.h"
#include "pg/listener.h"
#include "pg/redact.h"
#include "store/db_files.h"
#include "store/open_store.h"
#include "store/pg_store.h"
#include "store/store.h"
#include "telegram/http_bot_api.h"
#include "webhook/long_poller.h"
#include "webhook/update_processor.h"
#include "webhook/update_receiver.h"
#include "webhook/webhook_check.h"

namespace tgate::app {

namespace {
constexpr auto kShutdownGrace = std::chrono::seconds(10);
// At SIGTERM, how long the database may take to accept the handover.
constexpr auto kDrainBound = std::chrono::seconds(3);
}  // namespace

// The leases of the instance-wide singletons on PostgreSQL: one instance at
// a time sends the events (two would deliver each twice) and prunes. Bot
// names cannot start with '~' (config/validate.cc).
constexpr const char* kEventsLease = "~events";
constexpr const char* kPrunerLease = "~pruner";

struct Gateway::Impl {
  Impl(asio::io_context& io, config::Config c, const Clock& clk) : io(io), config(std::move(c)), clock(clk) {}

  Awaitable<Status> OpenStore();
  void DescribeServer(const http::Server& s);
  // GET /status (status/): the StatusSource and its endpoint, on the router.
  void MakeStatusPage();
  // Registers the bot's delivery figures with `metrics`.
  void DescribeDispatch(const std::string& bot, const BotRuntime& rt);
  // Registers the bot's figures of updates set aside (issue 11).
  void DescribeSetAside(const std::string& bot, const BotRuntime& rt);
  Awaitable<void> ReadPending(std::string bot, std::string labels);
  Awaitable<void> ReadSetAside(std::string bot, std::string labels);
  // The outbox backlog (tgate_events_pending, tgate_events_oldest_age_seconds).
  void DescribeOutbox();
  Awaitable<void> ReadOutbox();
  Status MakeBot(const config::BotConfig& bc);
  Awaitable<void> LearnUsername(Lifetime::Token life, std::string bot);

  // The singletons, started where they are owned (here on SQLite).
  Status StartEvents();
  void StopEvents();
  void StartPruner();
  void StopPruner();
  // Events were written to the outbox by this process: wake the sender if it
  // runs here (on PostgreSQL the store's NOTIFY wakes it wherever it runs).
  void WakeEvents();

  // PostgreSQL: who owns what (cluster/lease_keeper.h), and the wake-ups
  // from the other instances' writes.
  Status StartCluster(const std::string& listen);
  void Acquired(const std::string& name, int64_t epoch);
  void Lost(const std::string& name);
  void Notified(const pg::Notification& n);
  // The keeper's handover at SIGTERM, bounded: the leases expire anyway.
  Awaitable<void> DrainCluster();

  asio::io_context& io;
  config::Config config;
  const Clock& clock;
  Metrics metrics;
  std::unique_ptr<InstanceLock> lock;  // declared before the store: released after it closes
  std::unique_ptr<store::Store> store;
  store::PgStore* pg_store = nullptr;  // `store`, when it is PostgreSQL's
  std::unique_ptr<link::Linker> linker;
  std::map<std::string, std::unique_ptr<BotRuntime>> bots;
  std::unique_ptr<api::ApiContext> context;
  std::unique_ptr<api::EventsSender> events;
  std::unique_ptr<Pruner> pruner;
  std::unique_ptr<webhook::UpdateReceiver> receiver;
  std::unique_ptr<api::WriteProbe> write_probe;  // /readyz's database check
  std::unique_ptr<api::Router> router;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<cluster::LeaseKeeper> keeper;
  // GET /status: the figures and their endpoint (after keeper: reads its id).
  std::unique_ptr<StatusSource> status_source;
  std::unique_ptr<status::StatusEndpoint> status_endpoint;
  std::unique_ptr<pg::Listener> listener;
  bool stopping = false;
  // The Gateway's own coroutines (LearnUsername): ended by Stop() and by
  // destroying the Gateway.
  Lifetime life;
};

void Gateway::Impl::DescribeDispatch(const std::string& bot, const BotRuntime& d) {
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
      {"tgate_dispatch_parked", "gauge",
       "One-to-one messages to chats holding their share, left in the store until the chat drains.",
       &S::parked},
      {"tgate_dispatch_expired_total", "counter",
       "Messages failed as expired (ttl_seconds or max_queue_age).", &S::expired},
      {"tgate_bot_api_outage", "gauge", "1 while Telegram cannot be reached and sending is paused.",
       &S::outage},
  };
  const std::string l = "bot=\"" + bot + "\"";
  for (const Figure& f : kFigures) {
    metrics.Describe(f.name, f.type, f.help);
    auto read = [&d, field = f.field] { return double(d.stats().*field); };
    if (std::string_view(f.type) == "counter") {
      metrics.Counter(f.name, l, read);
    } else {
      metrics.Gauge(f.name, l, read);
    }
  }
  metrics.Describe("tgate_dispatch_global_rate", "gauge",
                   "Global send rate now (msg/s); lowered after 429s.");
  metrics.Gauge("tgate_dispatch_global_rate", l, [&d] { return d.stats().global_rate; });
  metrics.Describe("tgate_dispatch_jitter_margin_seconds", "gauge",
                   "Margin Telegram's windows are widened by for the measured spread of round trips (s).");
  metrics.Gauge("tgate_dispatch_jitter_margin_seconds", l, [&d] { return d.stats().jitter_margin_seconds; });
  metrics.Describe("tgate_bot_api_outage_seconds_total", "counter", "Seconds Telegram could not be reached.");
  metrics.Counter("tgate_bot_api_outage_seconds_total", l, [&d] { return d.stats().outage_seconds; });
  metrics.Describe("tgate_queue_wait_seconds", "histogram",
                   "Seconds a message waited from when it could go (accepted, or due) to its first send.");
  metrics.Histogram("tgate_queue_wait_seconds", l, &d.queue_wait());
  metrics.Describe("tgate_telegram_request_seconds", "histogram",
                   "Seconds of each sendMessage Telegram answered, from the request to its answer.");
  metrics.Histogram("tgate_telegram_request_seconds", l, &d.round_trip());
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

void Gateway::Impl::DescribeOutbox() {
  metrics.Describe("tgate_events_pending", "gauge",
                   "Events in the outbox not yet taken by the site (due, or waiting for a retry).");
  metrics.Describe("tgate_events_oldest_age_seconds", "gauge",
                   "Age of the oldest event in the outbox (s); 0 when it is empty.");
  metrics.OnScrape([this] { return ReadOutbox(); });
}

Awaitable<void> Gateway::Impl::ReadOutbox() {
  auto b = co_await store->Backlog();
  if (!b.ok()) spdlog::warn("cannot read the events outbox for /metrics: {}", b.status().message());
  const int64_t now = clock.UnixSeconds();
  const double age = b.ok() && b->pending > 0 ? double(std::max<int64_t>(0, now - b->oldest_created_s)) : 0.0;
  // -1: not a figure: the scrape shows the store could not say.
  metrics.Set("tgate_events_pending", "", b.ok() ? double(b->pending) : -1.0);
  metrics.Set("tgate_events_oldest_age_seconds", "", b.ok() ? age : -1.0);
}

void Gateway::Impl::DescribeSetAside(const std::string& bot, const BotRuntime& p) {
  const std::string l = "bot=\"" + bot + "\"";
  metrics.Describe("tgate_updates_set_aside_total", "counter",
                   "Updates set aside by this process because they could not be processed.");
  metrics.Counter("tgate_updates_set_aside_total", l, [&p] { return double(p.set_aside()); });
  metrics.Describe("tgate_updates_set_aside", "gauge",
                   "Set-aside updates kept in the database (until retention).");
  metrics.OnScrape([this, bot, l] { return ReadSetAside(bot, l); });
}

void Gateway::Impl::MakeStatusPage() {
  StatusSourceDeps deps{io.get_executor(), config, clock, *store, bots, *context};
  if (pg_store) {
    deps.cluster = true;
    deps.instance_id = [this] { return keeper ? keeper->id() : std::string(); };
  }
  status_source = std::make_unique<StatusSource>(std::move(deps));
  StatusSource* source = status_source.get();
  status_endpoint = std::make_unique<status::StatusEndpoint>(
      config.api_key,
      [source]() -> Awaitable<status::StatusSnapshot> { co_return co_await source->Gather(); });
  context->status_page = status_endpoint.get();
  status_source->Start();
}

void Gateway::Impl::DescribeServer(const http::Server& s) {
  metrics.Describe("tgate_http_connections", "gauge", "Site API and webhook connections open now.");
  metrics.Gauge("tgate_http_connections", "", [&s] { return double(s.stats().open); });
  metrics.Describe("tgate_http_connections_evicted_total", "counter",
                   "Idle connections closed to make room (max_connections reached, or no descriptors left).");
  metrics.Counter("tgate_http_connections_evicted_total", "", [&s] { return double(s.stats().evicted); });
  metrics.Describe("tgate_http_connections_refused_total", "counter",
                   "New connections closed at once: max_connections reached and every connection busy.");
  metrics.Counter("tgate_http_connections_refused_total", "", [&s] { return double(s.stats().refused); });
  metrics.Describe("tgate_http_accept_errors_total", "counter",
                   "Failed accepts (e.g. out of file descriptors).");
  metrics.Counter("tgate_http_accept_errors_total", "", [&s] { return double(s.stats().accept_errors); });
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
    pg_store = static_cast<store::PgStore*>(store.get());
    spdlog::info("store: PostgreSQL {}", pg::Redact(config.db));
    co_return Status::Ok();
  }
  metrics.Describe("tgate_db_wal_bytes", "gauge",
                   "Size of the database's write-ahead log file (bytes); checkpoints empty it past 16 MiB.");
  metrics.Gauge("tgate_db_wal_bytes", "", [path = config.db] { return double(store::WalFileBytes(path)); });
  co_return Status::Ok();
}

Status Gateway::Impl::MakeBot(const config::BotConfig& bc) {
  auto rt = std::make_unique<BotRuntime>(
      BotRuntimeDeps{io, *store, *linker, clock, config, bc, [this] { WakeEvents(); }, kShutdownGrace});
  TGATE_RETURN_IF_ERROR(rt->Init());
  bots[bc.name] = std::move(rt);
  return Status::Ok();
}

Status Gateway::Impl::StartEvents() {
  if (events) return Status::Ok();
  api::EventsSenderOptions eo{config.events_url, config.events_secret};
  eo.concurrency = static_cast<int>(config.events_concurrency);
  events = std::make_unique<api::EventsSender>(io.get_executor(), *store, clock, metrics, eo);
  return events->Start();
}

void Gateway::Impl::StopEvents() {
  if (!events) return;
  events->Stop();
  events.reset();
}

void Gateway::Impl::StartPruner() {
  if (pruner) return;
  PrunerOptions po;
  po.retention = std::chrono::days(config.retention_days);
  po.events_taken = !config.events_url.empty();
  pruner = std::make_unique<Pruner>(io.get_executor(), *store, clock, po);
  pruner->Start();
}

void Gateway::Impl::StopPruner() {
  if (!pruner) return;
  pruner->Stop();
  pruner.reset();
}

void Gateway::Impl::WakeEvents() {
  if (events) events->Notify();
}

Status Gateway::Impl::StartCluster(const std::string& listen) {
  cluster::LeaseOptions lo;
  lo.instance_id = cluster::NewInstanceId();
  lo.listen = listen;
  for (const config::BotConfig& bc : config.bots) lo.bots.push_back(bc.name);
  lo.bots.push_back(kEventsLease);
  lo.bots.push_back(kPrunerLease);
  cluster::LeaseKeeper::Callbacks cb;
  cb.on_acquired = [this](const std::string& name, int64_t epoch) { Acquired(name, epoch); };
  cb.on_lost = [this](const std::string& name) { Lost(name); };
  TGATE_ASSIGN_OR_RETURN(keeper,
                         cluster::LeaseKeeper::Create(io.get_executor(), config.db, clock, &metrics, lo, cb));
  pg::Listener::Callbacks lc;
  lc.on_notification = [this](const pg::Notification& n) { Notified(n); };
  lc.on_listening = [this] {
    // What the other instances wrote while this one was not listening.
    for (auto& [name, rt] : bots) {
      rt->NotifyQueue();
      rt->NotifyUpdates();
    }
    WakeEvents();
  };
  listener = std::make_unique<pg::Listener>(
      io.get_executor(), config.db,
      std::vector<std::string>{store::PgStore::kQueueChannel, store::PgStore::kUpdatesChannel,
                               store::PgStore::kEventsChannel, store::PgStore::kCancelChannel},
      clock, lc);
  listener->Start();
  keeper->Start();
  spdlog::info("cluster: instance {} on PostgreSQL; bots are shared with the other live instances by leases",
               keeper->id());
  return Status::Ok();
}

void Gateway::Impl::Acquired(const std::string& name, int64_t epoch) {
  if (stopping) return;
  if (name == kEventsLease) {
    if (Status s = StartEvents(); !s.ok()) spdlog::error("cannot start the events sender: {}", s.message());
    return;
  }
  if (name == kPrunerLease) {
    StartPruner();
    return;
  }
  auto it = bots.find(name);
  if (it == bots.end()) return;
  // Outcome writes of this epoch only: once another instance takes the bot
  // over, whatever this one still writes for it fails.
  pg_store->SetFence(name, keeper->id(), epoch);
  cluster::LeaseKeeper* k = keeper.get();
  it->second->Own([k, name] { return k->MaySend(name); });
}

void Gateway::Impl::Lost(const std::string& name) {
  if (name == kEventsLease) return StopEvents();
  if (name == kPrunerLease) return StopPruner();
  auto it = bots.find(name);
  if (it == bots.end()) return;
  // The fence stays: a late outcome write of the old epoch must fail.
  it->second->Disown();
}

void Gateway::Impl::Notified(const pg::Notification& n) {
  if (n.channel == store::PgStore::kEventsChannel) return WakeEvents();
  if (n.channel == store::PgStore::kCancelChannel) {
    int64_t id = 0;
    const char* end = n.payload.data() + n.payload.size();
    if (std::from_chars(n.payload.data(), end, id).ptr != end) return;
    for (auto& [name, rt] : bots) rt->CancelBroadcast(id);
    return;
  }
  auto it = bots.find(n.payload);
  if (it == bots.end()) return;
  if (n.channel == store::PgStore::kQueueChannel) it->second->NotifyQueue();
  if (n.channel == store::PgStore::kUpdatesChannel) it->second->NotifyUpdates();
}

Awaitable<void> Gateway::Impl::DrainCluster() {
  if (!keeper) co_return;
  // Drain in its own coroutine: a hung database must not hold the shutdown
  // past the bound.
  auto done = std::make_shared<std::optional<Status>>();
  asio::co_spawn(io, keeper->Drain(), [done](std::exception_ptr e, Status s) {
    *done = e ? Status::Internal("exception draining the leases") : std::move(s);
  });
  std::unique_ptr<Timer> t = clock.MakeTimer(io.get_executor());
  const SteadyTime deadline = clock.Now() + kDrainBound;
  while (!*done && clock.Now() < deadline) {
    t->ExpiresAt(clock.Now() + std::chrono::milliseconds(5));
    co_await t->Wait();
  }
  if (!*done) {
    spdlog::warn(
        "cluster: the database did not take the handover within {} s; the leases expire by themselves",
        std::chrono::duration_cast<std::chrono::seconds>(kDrainBound).count());
  } else if (!(*done)->ok()) {
    spdlog::warn("cluster: handover failed ({}); the leases expire by themselves", (*done)->message());
  } else {
    spdlog::info("cluster: bots handed over to the other instances");
  }
}

// getMe gives the bot's username for t.me links. Retried until it answers:
// tgate serves (and queues) meanwhile; only link creation waits for it.
// Ends at Stop() or with the Gateway (core/lifetime.h).
Awaitable<void> Gateway::Impl::LearnUsername(Lifetime::Token life, std::string bot) {
  std::chrono::seconds delay{1};
  while (!life.ended()) {
    BotRuntime& rt = *bots.at(bot);
    telegram::ApiResult r = co_await rt.api().Call("getMe", {}, std::chrono::seconds(10));
    if (life.ended()) co_return;
    if (r.ok() && r.result.is_object() && r.result.as_object().contains("username")) {
      std::string username(r.result.as_object().at("username").as_string());
      context->bots[bot].username = username;
      context->bots[bot].getme_error.clear();
      spdlog::info("bot {}: Telegram knows it as @{}", bot, username);
      co_return;
    }
    context->bots[bot].getme_error = r.ok() ? "its answer has no username" : r.description;
    if (r.kind == telegram::ErrorKind::kUnauthorized || r.kind == telegram::ErrorKind::kNotFound) {
      const bool first = !config.bots.empty() && config.bots.front().name == bot;
      spdlog::error("bot {}: Telegram rejected the bot token ({}); check {}", bot, r.description,
                    config::TokenVariable(bot, first));
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
  g.context = std::make_unique<api::ApiContext>(
      api::ApiContext{g.config, *g.store, *g.store, *g.store, *g.linker, g.clock, g.metrics, {}});
  std::vector<webhook::HookBot> hooks;
  for (const config::BotConfig& bc : g.config.bots) {
    TGATE_RETURN_IF_ERROR(g.MakeBot(bc));
    BotRuntime* rt = g.bots.at(bc.name).get();
    Impl* impl = &g;
    g.context->bots[bc.name] = api::BotHandle{&bc,
                                              "",
                                              [rt, impl] {
                                                rt->NotifyQueue();
                                                impl->WakeEvents();
                                              },
                                              [rt](int64_t id) { rt->CancelBroadcast(id); },
                                              [rt] { return rt->outage(); },
                                              "",
                                              [rt] { rt->NotifyOneToOne(); }};
    if (!bc.long_polling)
      hooks.push_back({bc.name, bc.webhook_path, bc.webhook_secret, [rt] { rt->NotifyUpdates(); },
                       [rt] { return rt->processor(); }});
  }
  g.receiver = std::make_unique<webhook::UpdateReceiver>(*g.store, g.metrics, std::move(hooks));
  store::Store* db = g.store.get();
  g.write_probe = std::make_unique<api::WriteProbe>(g.io.get_executor(), g.clock,
                                                    [db]() -> Awaitable<Status> { return db->ProbeWrite(); });
  g.router = std::make_unique<api::Router>(*g.context, *g.receiver, g.write_probe.get());
  g.MakeStatusPage();

  TGATE_ASSIGN_OR_RETURN(auto hp, config::SplitHostPort(g.config.listen));
  http::ServerOptions so = ListenerOptions(g.config, hp.first, hp.second);
  api::Router* router = g.router.get();
  g.server = std::make_unique<http::Server>(
      g.io.get_executor(), so, [router](const http::Request& req) { return router->Handle(req); });
  if (Status s = g.server->Start(); !s.ok()) {
    return Status(s.code(), "cannot listen on " + g.config.listen + ": " + s.message() +
                                " (set TGATE_LISTEN or listen in the config to another address)");
  }
  g.DescribeServer(*g.server);
  const std::string listening = hp.first + ":" + std::to_string(g.server->port());
  if (g.pg_store) {
    // Several instances may share the database: each bot, the events sender
    // and the pruner run where their lease is held (Acquired/Lost).
    TGATE_RETURN_IF_ERROR(g.StartCluster(listening));
  } else {
    TGATE_RETURN_IF_ERROR(g.StartEvents());
    g.StartPruner();
    for (auto& [name, rt] : g.bots) rt->Own();
  }
  for (auto& [name, rt] : g.bots) {
    asio::co_spawn(g.io, g.LearnUsername(g.life.token(), name), LogStopped("bot " + name + ": getMe"));
    const config::BotConfig& bc = rt->config();
    if (!bc.long_polling) {
      // Every instance checks: they share public_url, so they agree.
      asio::co_spawn(g.io,
                     webhook::KeepWebhookPointingHere(
                         g.life.token(), rt->api(),
                         {name, bc.public_url, bc.webhook_path, bc.webhook_secret, bc.webhook_certificate,
                          std::chrono::seconds(60), g.status_source->WebhookObserver(name)}),
                     LogStopped("bot " + name + ": webhook check"));
    }
    spdlog::info(
        "bot {}: {} (limits: {}/s global, {}/s per chat, {}/min per group)", name,
        bc.long_polling ? "long polling getUpdates" : "receiving webhooks at /hooks/telegram/<webhook_path>",
        bc.limits.global_per_sec, bc.limits.chat_per_sec, bc.limits.group_per_min);
  }
  for (auto& [name, rt] : g.bots) g.DescribeDispatch(name, *rt);
  for (auto& [name, rt] : g.bots) g.DescribeSetAside(name, *rt);
  g.DescribeOutbox();
  // On stdout whatever the log level: scripts and tests wait for this line.
  // (As a JSON line with log_format = "json": every line tgate writes parses.)
  const std::string line = "tgate listening on " + listening;
  if (g.config.log_format == "json") {
    std::fputs(JsonLogLine(spdlog::level::info, line).c_str(), stdout);
  } else {
    std::printf("%s\n", line.c_str());
  }
  std::fflush(stdout);
  return Status::Ok();
}

Awaitable<void> Gateway::Stop() {
  Impl& g = *impl_;
  g.stopping = true;  // no lease acquired from now on starts anything
  g.life.End();       // LearnUsername
  if (g.status_source) g.status_source->Stop();
  if (g.server) g.server->Stop();
  g.StopPruner();
  g.StopEvents();
  // Sending stops and in-flight outcomes are written while the leases (and
  // their fences) are still ours; then the bots are handed over at once.
  for (auto& [name, rt] : g.bots) co_await rt->Stop(kShutdownGrace);
  for (auto& [name, rt] : g.bots) co_await LogClosingSummary(name, rt->stats(), *g.store);
  co_await g.DrainCluster();
  g.listener.reset();
}

uint16_t Gateway::port() const { return impl_->server ? impl_->server->port() : 0; }
const config::Config& Gateway::config() const { return impl_->config; }

}  // namespace tgate::app
