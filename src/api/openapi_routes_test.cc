// The OpenAPI document against the router: the document lists exactly the
// routes Router::Handle answers (Routes(): the site API's table and the
// endpoints outside /v1), each listed route is answered (not the 404 of an
// unknown path), and the embedded copy is byte for byte api/openapi.json.
// The schemas themselves are held true by api/check_openapi.py against the
// integration tests' traffic.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "api/openapi_document.h"
#include "api/router.h"
#include "core/fake_clock.h"
#include "core/testing.h"
#include "status/status_endpoint.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::api {
namespace {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using store::testing::Await;

// "GET /v1/users/{}" for each operation in the document's paths.
std::set<std::string> DocumentRoutes() {
  json::value doc = json::parse(OpenApiDocument());
  std::set<std::string> out;
  const std::regex param(R"(\{[^}/]+\})");
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    std::string pattern = std::regex_replace(std::string(path), param, "{}");
    for (const auto& [method, op] : item.as_object()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(upper + " " + pattern);
    }
  }
  return out;
}

std::set<std::string> RouterRoutes() {
  std::set<std::string> out;
  for (const RouteInfo& r : Routes()) out.insert(std::string(r.method) + " " + std::string(r.pattern));
  return out;
}

TEST(OpenApiRoutes, DocumentListsExactlyTheRoutersRoutes) {
  std::set<std::string> doc = DocumentRoutes();
  std::set<std::string> router = RouterRoutes();
  for (const std::string& r : router) {
    EXPECT_TRUE(doc.count(r)) << r << " is answered by the router but missing from api/openapi.json";
  }
  for (const std::string& r : doc) {
    EXPECT_TRUE(router.count(r)) << r << " is in api/openapi.json but not in the router's routes";
  }
  EXPECT_GE(router.size(), 12u);  // the 8 site API calls and the endpoints outside /v1
}

TEST(OpenApiRoutes, EmbeddedDocumentIsTheFile) {
  std::ifstream in(TGATE_OPENAPI_JSON, std::ios::binary);
  ASSERT_TRUE(in) << TGATE_OPENAPI_JSON;
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(file.str(), OpenApiDocument());
  json::value doc = json::parse(OpenApiDocument());
  EXPECT_EQ(doc.at("openapi").as_string().subview().substr(0, 4), "3.1.");
}

// Every listed route reaches its handler: an unknown path answers 404 with
// "no such endpoint" / "no such API call"; a listed one never does.
TEST(OpenApiRoutes, EveryListedRouteIsAnswered) {
  FakeClock clock;
  Metrics metrics;
  config::Config config;
  config.api_key = "test-key";
  config::BotConfig bot;
  bot.token = "123456:TEST_fake_token_for_tests_only_xxxxxxxx";
  bot.webhook_path = "hookpath";
  config.bots.push_back(bot);
  auto s = store::Store::Open({":memory:"});
  ASSERT_OK(s);
  std::unique_ptr<store::Store> st = std::move(*s);
  link::Linker linker(*st, clock);
  ApiContext context{config, *st, *st, *st, linker, clock, metrics, {}};
  context.bots["default"] = BotHandle{&config.bots[0], "test_bot", [] {}};
  webhook::UpdateReceiver receiver(*st, metrics,
                                   std::vector<webhook::HookBot>{{"default", "hookpath", "", [] {}}});
  // The status page, as the gateway wires it (here with empty figures).
  status::StatusEndpoint status_page(
      "test-key", []() -> Awaitable<status::StatusSnapshot> { co_return status::StatusSnapshot{}; });
  context.status_page = &status_page;
  Router router(context, receiver);

  for (const RouteInfo& r : Routes()) {
    std::string target(r.pattern);
    if (auto at = target.find("{}"); at != std::string::npos) {
      target.replace(at, 2, target.find("/hooks/") == 0 ? "hookpath" : "1");
    }
    http::Request req{bhttp::string_to_verb(r.method), target, 11};
    req.set(bhttp::field::authorization, "Bearer test-key");
    req.prepare_payload();
    http::Response res = Await(router.Handle(req));
    SCOPED_TRACE(std::string(r.method) + " " + target + ": " + res.body());
    EXPECT_NE(res.result_int(), 405u);
    EXPECT_EQ(res.body().find("no such endpoint"), std::string::npos);
    EXPECT_EQ(res.body().find("no such API call"), std::string::npos);
  }
}

}  // namespace
}  // namespace tgate::api
