// Fuzzes the site API's write calls end to end through the Router (in-memory
// store, see site_fixture.h): the first byte picks the call — POST
// /v1/messages, /v1/broadcasts, /v1/links, or /v1/messages with an
// Idempotency-Key — the rest is the JSON body. Invariants: the answer is a
// documented status (never 5xx), JSON, the error shape for errors, with no
// secret; an accepted message or broadcast can be read back at once as queued
// with the id and counts it was answered with.
#include <boost/json.hpp>

#include "fuzz/site_fixture.h"

namespace {

namespace json = boost::json;
namespace bhttp = boost::beast::http;

tgate::http::Request Make(bhttp::verb verb, std::string target, std::string body) {
  tgate::http::Request req{verb, target, 11};
  req.set(bhttp::field::host, "tgate.test");
  req.set(bhttp::field::authorization, "Bearer " + std::string(tgate::fuzz::kApiKey));
  if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tgate::fuzz::CheckAnswer;
  if (size < 1) return 0;
  auto& site = tgate::fuzz::SiteFixture::Get();
  const int call = data[0] & 3;
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  static const char* kTargets[] = {"/v1/messages", "/v1/broadcasts", "/v1/links", "/v1/messages"};
  tgate::http::Request req = Make(bhttp::verb::post, kTargets[call], body);
  if (call == 3) req.set("Idempotency-Key", "fuzz-key-1");

  tgate::Status s =
      site.Run(site.store().RunInTransaction([&](tgate::store::Store&) -> tgate::Awaitable<tgate::Status> {
        tgate::http::Response res = co_await site.HandleInTransaction(req);
        CheckAnswer(res, body, false);
        unsigned status = res.result_int();
        json::object answer = json::parse(res.body()).as_object();
        if (call == 2) {
          FUZZ_CHECK(status == 200 || status == 201 || status >= 400);
          if (status < 400) FUZZ_CHECK(answer.contains("url") && answer.contains("token"));
        } else if (status < 400) {
          FUZZ_CHECK(status == 202);
          int64_t id = answer.at("id").as_int64();
          FUZZ_CHECK(id > 0);
          std::string what = call == 1 ? "/v1/broadcasts/" : "/v1/messages/";
          // Named: GCC 12 mis-destroys some temporaries in a co_await expression.
          const tgate::http::Request read_req = Make(bhttp::verb::get, what + std::to_string(id), "");
          tgate::http::Response got = co_await site.HandleInTransaction(read_req);
          CheckAnswer(got, body, false);
          FUZZ_CHECK(got.result_int() == 200);
          json::object read = json::parse(got.body()).as_object();
          FUZZ_CHECK(read.at("id").as_int64() == id);
          if (call == 1) {
            FUZZ_CHECK(read.at("total") == answer.at("total"));
            FUZZ_CHECK(read.at("skipped") == answer.at("skipped"));
          } else {
            FUZZ_CHECK(read.at("status").as_string() == "queued");
            FUZZ_CHECK(answer.at("status").as_string() == "queued");
          }
        }
        co_return tgate::Status::Internal("rolled back by the fuzzer");
      }));
  FUZZ_CHECK(s.code() == tgate::Code::kInternal);
  return 0;
}
