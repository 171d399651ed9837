// Emulator wiring: one strand owns the BotState; the http::Server runs its
// sessions on strands made from that strand (so every handler is serialized
// with the webhook sender and long polls); routes are /bot<token>/<method>
// (the Bot API) and /control/... (tests).
#include "tools/emulator/emulator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <random>

#include "core/clock.h"
#include "core/status_macros.h"
#include "http/server.h"
#include "tools/emulator/bot_methods.h"
#include "tools/emulator/bot_state.h"
#include "tools/emulator/control_api.h"
#include "tools/emulator/long_poll.h"
#include "tools/emulator/params.h"
#include "tools/emulator/webhook_sender.h"

namespace tgate::emulator {

namespace {

// The numeric bot id of "<digits>:<secret>", or nullopt for another shape.
std::optional<int64_t> BotIdOf(std::string_view token) {
  size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= token.size()) return std::nullopt;
  int64_t id = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + colon, id);
  if (ec != std::errc() || p != token.data() + colon || id <= 0) return std::nullopt;
  return id;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The HTTP form of a BotReply. A "drop" fault cannot close the socket from a
// handler (http::Server has no such hook), so it answers a header promising
// a body that never comes and closes the connection: the client sees the
// connection end without a usable answer, like a dropped connection.
http::Response ToHttp(const http::Request& req, const BotReply& reply) {
  if (reply.drop) {
    http::Response res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, "application/json");
    res.content_length(4096);
    res.keep_alive(false);
    return res;
  }
  http::Response res = reply.raw ? http::TextResponse(req, reply.status, reply.Body(), reply.raw_content_type)
                                 : http::JsonResponse(req, reply.status, reply.Body());
  if (int64_t ra = reply.RetryAfter(); ra >= 0) res.set(bhttp::field::retry_after, std::to_string(ra));
  return res;
}

}  // namespace

struct Emulator::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, EmulatorOptions opts)
      : options(std::move(opts)),
        strand(asio::make_strand(ex)),
        state(options.limits, options.bot_username, options.webhook_retry_initial),
        sender(strand, state, clock, options.webhook_timeout),
        poll(strand, state),
        control(state, clock, [this] { state.limits = Limits(options.limits); }) {
    state.updates = UpdateQueue(options.webhook_retry_initial, options.webhook_retry_max);
    if (!options.tokens.empty()) state.bot_id = BotIdOf(options.tokens.front()).value_or(0);
    state.on_update = [this] {
      sender.Wake();
      poll.Wake();
    };
  }

  Awaitable<http::Response> Handle(http::Request req);
  Awaitable<BotReply> CallMethod(int64_t bot_id, std::string method, const http::Request& req);
  // 0 and sets `error` when the token is not accepted.
  int64_t Authorize(std::string_view token, BotReply& error) const;

  EmulatorOptions options;
  asio::any_io_executor strand;
  SystemClock clock;
  BotState state;
  WebhookSender sender;
  LongPoll poll;
  ControlApi control;
  std::unique_ptr<http::Server> server;
  std::mt19937 rng{20261203};  // request latencies (options.request_latency_*)
};

int64_t Emulator::Impl::Authorize(std::string_view token, BotReply& error) const {
  auto id = BotIdOf(token);
  if (options.tokens.empty()) {
    if (!id) error = BotReply::Error(401, "Unauthorized: invalid token specified");
    return id.value_or(0);
  }
  if (std::find(options.tokens.begin(), options.tokens.end(), token) == options.tokens.end() || !id) {
    error = BotReply::Error(401, "Unauthorized");
    return 0;
  }
  return *id;
}

Awaitable<BotReply> Emulator::Impl::CallMethod(int64_t bot_id, std::string method, const http::Request& req) {
  auto params = ParseParams(req);
  if (!params.ok()) co_return BotReply::BadRequest(params.status().message());
  const CallTime t{
      clock.Now(),
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.Wall().time_since_epoch()).count()};
  if (method == "sendmessage") {
    BotReply r = SendMessage(state, *params, bot_id, t);
    if (r.ok() && !state.sent.empty())
      state.sent.back().host = std::string(req[boost::beast::http::field::host]);
    co_return r;
  }
  if (method == "getme") co_return GetMe(state, bot_id);
  if (method == "getupdates") co_return co_await poll.GetUpdates(std::move(params).value());
  if (method == "setwebhook") {
    BotReply r = SetWebhook(state, *params);
    if (r.ok() && !state.webhook.url.empty()) poll.Terminate("Conflict: terminated by setWebhook request");
    co_return r;
  }
  if (method == "deletewebhook") co_return DeleteWebhook(state, *params);
  if (method == "getwebhookinfo") co_return GetWebhookInfo(state);
  if (method == "setmycommands") co_return SetMyCommands(state, *params);
  if (method == "getmycommands") co_return GetMyCommands(state);
  co_return BotReply::Error(404, "Not Found: method not found");
}

Awaitable<http::Response> Emulator::Impl::Handle(http::Request req) {
  auto self = shared_from_this();
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  if (path.starts_with("/control/")) co_return control.Handle(req);
  if (!path.starts_with("/bot")) {
    co_return ToHttp(req, BotReply::Error(404, "Not Found"));
  }
  // /bot<token>/<method>, or /bot<token>/test/<method> (test environment).
  std::string_view rest = path.substr(4);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) co_return ToHttp(req, BotReply::Error(404, "Not Found"));
  std::string_view token = rest.substr(0, slash);
  std::string_view method = rest.substr(slash + 1);
  if (method.starts_with("test/")) method.remove_prefix(5);
  BotReply error;
  const int64_t bot_id = Authorize(token, error);
  if (bot_id == 0) co_return ToHttp(req, error);

  if (options.request_latency_max.count() > 0) {  // the request's trip: it arrives later
    std::uniform_int_distribution<int64_t> us(options.request_latency_min.count() * 1000,
                                              options.request_latency_max.count() * 1000);
    asio::steady_timer trip(strand, std::chrono::microseconds(us(rng)));
    co_await trip.async_wait(kAsTuple);
  }
  const std::string name = Lower(method);
  if (const auto& outage = state.script.outage()) {  // every method, getMe too
    ++state.stats.faults;
    co_return ToHttp(req, *outage);
  }
  const bool is_send = name == "sendmessage";
  if (is_send) {
    ++state.sends_in_flight;
    state.stats.max_concurrent = std::max(state.stats.max_concurrent, state.sends_in_flight);
  }
  BotReply reply = co_await CallMethod(bot_id, name, req);
  if (options.latency.count() > 0) {
    asio::steady_timer delay(strand, options.latency);
    co_await delay.async_wait(kAsTuple);
  }
  if (is_send) --state.sends_in_flight;
  if (options.verbose) {
    // Method name only: the path carries the token.
    spdlog::info("emulator: {} -> {}{}", method, reply.drop ? 0u : reply.status,
                 reply.drop ? " (dropped)" : "");
  }
  co_return ToHttp(req, reply);
}

Emulator::Emulator(asio::any_io_executor executor, EmulatorOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

Emulator::~Emulator() { Stop(); }

Status Emulator::Start() {
  http::ServerOptions so;
  so.host = impl_->options.host;
  so.port = impl_->options.port;
  so.body_limit = 8 << 20;  // certificates up to 3 MiB must reach setWebhook's own check
  std::weak_ptr<Impl> weak = impl_;
  impl_->server = std::make_unique<http::Server>(
      impl_->strand, so, [weak](http::Request req) -> Awaitable<http::Response> {
        auto impl = weak.lock();
        if (!impl)
          co_return http::JsonResponse(req, 503, R"({"ok":false,"error_code":503,"description":"stopping"})");
        co_return co_await impl->Handle(std::move(req));
      });
  TGATE_RETURN_IF_ERROR(impl_->server->Start());
  impl_->sender.Start();
  return Status::Ok();
}

uint16_t Emulator::port() const { return impl_->server ? impl_->server->port() : 0; }

void Emulator::Stop() {
  if (impl_->server) impl_->server->Stop();
  impl_->sender.Stop();
  asio::dispatch(impl_->strand, [impl = impl_] { impl->poll.Stop(); });
}

}  // namespace tgate::emulator
