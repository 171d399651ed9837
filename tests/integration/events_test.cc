// Events end to end: tgate POSTs each kind of event it emits (user.linked,
// user.unlinked, user.blocked, user.unblocked, message.sent, message.failed,
// update) to a real events_url on loopback, signed and with its id and
// timestamp headers. The sink records every event for the OpenAPI check
// (api/check_openapi.py), which fails if a documented webhook never arrived
// across the suite or if one arrived off its schema.
#include <gtest/gtest.h>

#include <set>

#include "harness/event_sink.h"
#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class Events : public GatewayTest {};

// tgate posts user.blocked, user.unblocked and user.unlinked on its events
// sender's next pass, which can be its 30 s idle wake-up (the Django
// example's test waits as long): wait past it.
constexpr std::chrono::seconds kSlowEvent{45};

TEST_F(Events, EveryEventTypeReachesTheSiteSignedAndInOrder) {
  EventSink sink;
  StartEmulator();
  StartTgate({.env = {{"TGATE_EVENTS_URL", sink.Url()}, {"TGATE_EVENTS_SECRET", "itest-events-secret"}}});

  LinkUser("ev", 9001);
  ASSERT_TRUE(WaitUntil([&] { return sink.Count("user.linked") == 1; }));

  auto sent = Api("POST", "/v1/messages", R"({"user":"ev","text":"your order shipped"})");
  ASSERT_EQ(sent.status, 202) << sent.body;
  ASSERT_TRUE(WaitUntil([&] { return sink.Count("message.sent") == 1; }));

  ASSERT_EQ(Emu("POST", "/control/message", R"({"user_id":9001,"text":"where is it?"})").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return sink.Count("update") >= 1; }));

  // Telegram refuses the chat for good: the message fails, the user stays linked.
  ASSERT_EQ(Emu("POST", "/control/chat", R"({"chat_id":9001,"behavior":"not_found"})").status, 200);
  auto failing = Api("POST", "/v1/messages", R"({"user":"ev","text":"lost"})");
  ASSERT_EQ(failing.status, 202) << failing.body;
  ASSERT_TRUE(WaitUntil([&] { return sink.Count("message.failed") == 1; }));
  ASSERT_EQ(Emu("POST", "/control/chat", R"({"chat_id":9001,"behavior":"ok"})").status, 200);

  ASSERT_EQ(Emu("POST", "/control/block", R"({"user_id":9001})").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return sink.Count("user.blocked") == 1; }, kSlowEvent));
  ASSERT_EQ(Emu("POST", "/control/unblock", R"({"user_id":9001})").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return sink.Count("user.unblocked") == 1; }, kSlowEvent));

  ASSERT_EQ(Api("DELETE", "/v1/users/ev").status, 204);
  ASSERT_TRUE(WaitUntil([&] { return sink.Count("user.unlinked") == 1; }, kSlowEvent));

  std::set<std::string> ids;
  for (const auto& e : sink.Events()) {
    ASSERT_FALSE(e.type.empty()) << e.body;
    EXPECT_EQ(e.headers.at("content-type").rfind("application/json", 0), 0u) << e.type;
    EXPECT_FALSE(e.headers.at("x-tgate-event-id").empty()) << e.type;
    EXPECT_FALSE(e.headers.at("x-tgate-timestamp").empty()) << e.type;
    EXPECT_EQ(e.headers.at("x-tgate-signature").rfind("sha256=", 0), 0u) << e.type;
    EXPECT_NE(e.body.find(R"("bot":"default")"), std::string::npos) << e.body;
    EXPECT_EQ(e.body.find(kTokenSecretPart), std::string::npos) << e.body;
    ids.insert(e.headers.at("x-tgate-event-id"));
  }
  // Every event delivered once (a 200 each time: no retries).
  EXPECT_EQ(ids.size(), sink.Events().size());
}

}  // namespace
}  // namespace tgate::itest
