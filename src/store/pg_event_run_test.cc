// The statement that writes a transaction's run of events (pg_event_run.h):
// the rows land in the order given, each event about a chat with the user
// linked to it, and its plan finds that user through bindings' unique (bot,
// chat_id), never through bindings_by_status (every active binding of the
// bot for each event), on a bindings table filled in bulk with no statistics
// (as after `tgate store copy`, before autovacuum's ANALYZE) and once
// analyzed. Generic plans, as a prepared statement settles on. Needs
// TGATE_TEST_PG.
#include "store/pg_event_run.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/pg_store_fixture_test_util.h"
#include "store/pg_store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

class PgEventRunTest : public testing::PgPlanTest {
 protected:
  // The generic plan of the statement.
  std::string GenericPlan() {
    Exec("SET plan_cache_mode = force_generic_plan");
    const PgEventRow row{"{", "default", 1, "}", 1000};
    Exec("PREPARE events_insert AS " +
         InsertEvents(std::span<const PgEventRow>(&row, 1), "tgate_events").sql);
    const std::string plan =
        Plan("EXECUTE events_insert('{\"{\"}', '{default}', '{1}', '{\"}\"}', '{1000}', 'tgate_events')");
    Exec("DEALLOCATE events_insert");
    return plan;
  }

  void ExpectTheUniqueChatIndex() {
    const std::string plan = GenericPlan();
    EXPECT_NE(plan.find("bindings_bot_chat_id_key"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("bindings_by_status"), std::string::npos) << plan;
  }
};

TEST_F(PgEventRunTest, AChatsUserIsFoundByItsChatBeforeTheTableIsAnalyzed) { ExpectTheUniqueChatIndex(); }

TEST_F(PgEventRunTest, AChatsUserIsFoundByItsChatOnceTheTableIsAnalyzed) {
  Exec("ANALYZE bindings");
  ExpectTheUniqueChatIndex();
}

// One statement, the rows in the order given: events with no chat keep
// their payload whole, whatever it holds (quotes, backslashes, braces, a
// NULL spelled out, non-ASCII); an event about a chat gets the user linked to
// it (as a JSON string), none where the chat has no user or is another bot's.
TEST_F(PgEventRunTest, TheRowsLandInOrderEachWithItsChatsUser) {
  Exec("UPDATE bindings SET site_user = 'we\"ird\\ user' WHERE bot = 'default' AND chat_id = 2");
  std::vector<PgEventRow> rows;
  const std::vector<std::string> odd = {R"({"t":"a \"quoted\" word"})", R"({"t":"back\\slash"})",
                                        R"({"t":"{braces},"})", "NULL", "{\"t\":\"\u00e9t\u00e9\"}"};
  for (int i = 0; i < 30; ++i) {
    if (i % 3 == 0) {
      rows.push_back(PgEventRow{odd[(i / 3) % odd.size()], "", 0, "", 1000 + i});
    } else {
      // Chats 1 (u1), 2 (the odd user), 11 (the other bot's), 6000 (no one).
      const int64_t chats[] = {1, 2, 11, 6000};
      rows.push_back(PgEventRow{R"({"n":)" + std::to_string(i), "default", chats[i % 4], "}", 1000 + i});
    }
  }
  const pg::Statement insert = InsertEvents(rows, "tgate_events");
  ASSERT_OK(Await(io_, conn_->Query(insert.sql, insert.params)));
  auto stored =
      Await(io_, conn_->Query("SELECT payload, next_attempt_ms, created_at FROM events ORDER BY id"));
  ASSERT_OK(stored);
  ASSERT_EQ(stored->size(), 30);
  for (int i = 0; i < 30; ++i) {
    std::string want = rows[i].head;
    if (!rows[i].bot.empty()) {
      if (rows[i].chat_id == 1) want += R"(,"user":"u1")";
      if (rows[i].chat_id == 2) want += R"(,"user":"we\"ird\\ user")";
      want += rows[i].tail;
    }
    EXPECT_EQ(std::string(stored->Text(i, 0)), want) << i;
    EXPECT_EQ(stored->Int64(i, 1), 1000 + i) << i;
    EXPECT_EQ(stored->Int64(i, 2), 1) << i;
  }
}

}  // namespace
}  // namespace tgate::store
