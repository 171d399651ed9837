// A broadcast's skipped users at rest on SQLite (schema v13): in a table of
// their own, not in the broadcast's row, which every outcome batch updates
// (its counts); read back with the broadcast, and deleted with it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/testing.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

TEST(SkippedUsersAtRest, KeptBesideTheBroadcastsRowReadBackAndDeletedWithIt) {
  testing::TempDbPath file;
  auto store = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(store);
  Store& s = **store;
  ASSERT_OK(Await(s.Bind(Binding{"bot", "u1", 1, UserStatus::kActive, 100})));
  NewBroadcast nb;
  nb.bot = "bot";
  nb.users = {"u1", "nobody", "ghost"};
  nb.text = "news";
  nb.options_json = "{}";
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto created = Await(s.CreateBroadcast(nb, now * 1000));
  ASSERT_OK(created);
  const std::vector<SkippedUser> want{{"nobody", "not_linked"}, {"ghost", "not_linked"}};
  EXPECT_EQ(created->skipped_users, want);

  sqlite3* raw = testing::OpenRawSqlite(file.path());
  EXPECT_EQ(testing::SqliteText(raw, "SELECT skipped_users IS NULL FROM broadcasts"), "1")
      << "not in the row every outcome batch rewrites";
  EXPECT_EQ(testing::SqliteText(raw, "SELECT count(*) FROM broadcast_skipped_users"), "1");

  // Its one message sent, the counts moved: the list is read back as it was.
  auto queued = Await(s.LoadBroadcastQueued("bot", created->id, 0, INT64_MAX, 10));
  ASSERT_OK(queued);
  ASSERT_EQ(queued->size(), 1u);
  ASSERT_OK(Await(s.Complete({{queued->front().id, MessageStatus::kSent, 1, 1, 0, 7, ""}})));
  auto read = Await(s.GetBroadcast(created->id));
  ASSERT_OK(read);
  EXPECT_EQ(read->sent, 1);
  EXPECT_EQ(read->skipped_users, want);

  // Pruned (a cutoff a day ahead: old enough), the list goes with the broadcast.
  const int64_t later = now + 24 * 3600;
  for (int i = 0; i < 10 && !Await(s.PruneMessages(later, 100)).value().done; ++i) {
  }
  for (int i = 0; i < 10 && !Await(s.PruneBroadcasts(later, 100)).value().done; ++i) {
  }
  EXPECT_TRUE(Await(s.GetBroadcast(created->id)).status().IsNotFound());
  EXPECT_EQ(testing::SqliteText(raw, "SELECT count(*) FROM broadcast_skipped_users"), "0");
  sqlite3_close(raw);
}

}  // namespace
}  // namespace tgate::store
