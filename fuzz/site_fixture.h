// SiteFixture: the request path of a running tgate without its sockets — the
// Router, the site API handlers, the webhook UpdateReceiver, an in-memory
// Store, a fake clock — for the fuzz targets that feed it whole requests.
// Two bots ("default" with a webhook secret, "shop" without), two linked users
// ("alice", "bob"; bob has blocked the bot). Each request runs in a store
// transaction that is rolled back, so every input starts from the same state.
// Fuzz-only; not a test double of the Gateway (no dispatcher, no network).
#pragma once

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "api/api_context.h"
#include "api/router.h"
#include "config/config.h"
#include "core/await_test_util.h"
#include "core/fake_clock.h"
#include "core/metrics.h"
#include "fuzz/fuzz_check.h"
#include "link/linker.h"
#include "store/store.h"
#include "webhook/update_receiver.h"

namespace tgate::fuzz {

// Secrets a response must never show unless the request itself carried them.
inline constexpr std::string_view kToken1 = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
inline constexpr std::string_view kToken2 = "987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
inline constexpr std::string_view kApiKey = "fuzz-api-key-0123456789";
inline constexpr std::string_view kHookPath = "hook-default-7f3a9c";
inline constexpr std::string_view kHookSecret = "hook-secret-5b2e";
inline constexpr std::string_view kShopHookPath = "hook-shop-1d8e4b";

class SiteFixture {
 public:
  static SiteFixture& Get() {
    static SiteFixture* fixture = new SiteFixture();  // never destroyed: libFuzzer exits via exit()
    return *fixture;
  }

  // The router's answer to `req`, with every store change rolled back. (The
  // SQLite store passes itself as the transaction's Store: the router's
  // calls join the transaction.)
  http::Response Handle(const http::Request& req) {
    http::Response res;
    Status s = Run(store_->RunInTransaction([&](store::Store&) -> Awaitable<Status> {
      res = co_await router_->Handle(req);
      co_return Status::Internal("rolled back by the fuzzer");
    }));
    FUZZ_CHECK(s.code() == Code::kInternal);
    return res;
  }

  // The same, without rolling back (to read back what a request created),
  // inside a transaction of the caller's.
  Awaitable<http::Response> HandleInTransaction(const http::Request& req) { return router_->Handle(req); }
  // Runs `call` to its end on the fixture's io_context (SQLite's calls never
  // suspend).
  template <typename T>
  T Run(Awaitable<T> call) {
    return tgate::testing::RunAwait(io_, std::move(call));
  }
  store::Store& store() { return *store_; }
  Metrics& metrics() { return metrics_; }

 private:
  SiteFixture() {
    spdlog::set_level(spdlog::level::off);  // malformed input is logged; not worth the time here
    config_.api_key = std::string(kApiKey);
    config::BotConfig a;
    a.name = "default";
    a.token = std::string(kToken1);
    a.webhook_path = std::string(kHookPath);
    a.webhook_secret = std::string(kHookSecret);
    config::BotConfig b;
    b.name = "shop";
    b.token = std::string(kToken2);
    b.webhook_path = std::string(kShopHookPath);
    config_.bots = {a, b};

    store::StoreOptions so;
    so.path = ":memory:";
    so.clock = &clock_;
    auto opened = store::Store::Open(so);
    FUZZ_CHECK(opened.ok());
    store_ = std::move(*opened);
    FUZZ_CHECK(Run(store_->Bind({"default", "alice", 1001, store::UserStatus::kActive, 1767225600})).ok());
    FUZZ_CHECK(Run(store_->Bind({"default", "bob", 1002, store::UserStatus::kActive, 1767225600})).ok());
    FUZZ_CHECK(Run(store_->SetChatStatus("default", 1002, store::UserStatus::kBlocked)).ok());
    FUZZ_CHECK(Run(store_->Bind({"shop", "alice", 2001, store::UserStatus::kActive, 1767225600})).ok());

    linker_ = std::make_unique<link::Linker>(*store_, clock_);
    context_ = std::make_unique<api::ApiContext>(
        api::ApiContext{config_, *store_, *store_, *store_, *linker_, clock_, metrics_, {}});
    std::vector<webhook::HookBot> hooks;
    for (const config::BotConfig& bc : config_.bots) {
      context_->bots[bc.name] = api::BotHandle{&bc, bc.name + "_bot", [] {}, [](int64_t) {}};
      hooks.push_back({bc.name, bc.webhook_path, bc.webhook_secret, [] {}});
    }
    receiver_ = std::make_unique<webhook::UpdateReceiver>(*store_, metrics_, std::move(hooks));
    router_ = std::make_unique<api::Router>(*context_, *receiver_);
  }

  FakeClock clock_;
  Metrics metrics_;
  config::Config config_;
  asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<link::Linker> linker_;
  std::unique_ptr<api::ApiContext> context_;
  std::unique_ptr<webhook::UpdateReceiver> receiver_;
  std::unique_ptr<api::Router> router_;
};

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
  return out;
}

// True if `haystack` shows `secret` while `request` did not carry it (in any
// case: error messages quote some input lowercased, e.g. HTML tag names).
inline bool Leaks(std::string_view haystack, std::string_view request, std::string_view secret) {
  return haystack.find(secret) != std::string_view::npos &&
         Lower(request).find(Lower(secret)) == std::string::npos;
}

// Checks what every answer of the site API and webhook must be: a status it
// documents (never 5xx for input alone), a JSON body (the error shape for
// errors), no secret the request did not carry.
inline void CheckAnswer(const http::Response& res, std::string_view request, bool metrics) {
  unsigned status = res.result_int();
  FUZZ_CHECK(status >= 200 && status < 500);
  std::string_view body = res.body();
  for (std::string_view secret : {kToken1, kToken2, kApiKey, kHookSecret})
    FUZZ_CHECK(!Leaks(body, request, secret));
  FUZZ_CHECK(!Leaks(body, request, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"));
  if (metrics) return;
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  FUZZ_CHECK(!ec && v.is_object());
  if (status >= 400) {
    const boost::json::object* error =
        v.as_object().if_contains("error") ? v.at("error").if_object() : nullptr;
    FUZZ_CHECK(error != nullptr && error->contains("code") && error->contains("message"));
  }
}

}  // namespace tgate::fuzz
