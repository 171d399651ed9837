// `tgate store copy` round trip (issue 13): a tgate on SQLite links a user and
// sends, stops; its database is copied into PostgreSQL; tgate serve on that
// PostgreSQL database knows the user, the sent message, and goes on sending
// with new ids. Skips when TGATE_TEST_PG is unset.
#include <gtest/gtest.h>

#include "harness/gateway_fixture.h"
#include "pg/pg_test_util.h"

namespace tgate::itest {
namespace {

class StoreCopy : public GatewayTest {};

TEST_F(StoreCopy, TgateServesOnPostgresWhatItHadOnSqlite) {
  auto target = pg::TestDatabase::Create();
  if (!target) GTEST_SKIP() << pg::kNoTestServer;
  StartEmulator();
  StartTgate();
  LinkUser("alice", 4242);
  auto before = Api("POST", "/v1/messages", R"({"user":"alice","text":"before the copy"})");
  ASSERT_EQ(before.status, 202) << before.body;
  int64_t before_id = before.Int("id");
  ASSERT_TRUE(WaitUntil(
      [&] { return Api("GET", "/v1/messages/" + std::to_string(before_id)).Str("status") == "sent"; }));
  ASSERT_EQ(StopTgate(), 0);

  Process copy;
  ASSERT_TRUE(copy.Start({std::string(TGATE_BINARY_DIR) + "/tgate", "store", "copy", "--from",
                          dir_ + "/tgate.db", "--to", target->url()},
                         {{"TGATE_BOT_TOKEN", kToken}}, dir_ + "/copy"));
  ASSERT_EQ(copy.Wait(std::chrono::seconds(60)), 0) << copy.Stdout() << copy.Stderr();

  StartTgate(TgateOptions{.env = {{"TGATE_DB", target->url()}}});
  auto alice = Api("GET", "/v1/users/alice");
  ASSERT_EQ(alice.status, 200) << alice.body;
  EXPECT_EQ(alice.Int("chat_id"), 4242);
  auto old_message = Api("GET", "/v1/messages/" + std::to_string(before_id));
  EXPECT_EQ(old_message.Str("status"), "sent") << old_message.body;
  auto after = Api("POST", "/v1/messages", R"({"user":"alice","text":"after the copy"})");
  ASSERT_EQ(after.status, 202) << after.body;
  EXPECT_GT(after.Int("id"), before_id);
  ASSERT_TRUE(WaitUntil([&] {
    for (const auto& t : SentTexts(4242))
      if (t == "after the copy") return true;
    return false;
  }));
  int before_count = 0;
  for (const auto& t : SentTexts(4242)) before_count += t == "before the copy";
  EXPECT_EQ(before_count, 1) << "the copied message was sent again";
}

}  // namespace
}  // namespace tgate::itest
