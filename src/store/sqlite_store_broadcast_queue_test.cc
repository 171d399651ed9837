// A broadcast's queued messages on SQLite (schema v14): not in the queue's
// index (its outcomes leave that index alone), found through
// messages_by_broadcast from the broadcast's queued_from, which the writes of
// outcomes move past the messages that have one, and no further than the
// first still queued.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "core/status_macros.h"
#include "core/testing.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

// Binds users u1..uN of "bot" to chats 1..N, then broadcasts "news" to all.
Result<Broadcast> BindAndBroadcastToAll(Store& s, int chats) {
  Status bound = Await(s.RunInTransaction([&](Store& tx) -> Awaitable<Status> {
    for (int i = 1; i <= chats; ++i) {
      const Binding binding{"bot", "u" + std::to_string(i), i};  // named: g++ 12 and temporaries in co_await
      TGATE_CO_RETURN_IF_ERROR(co_await tx.Bind(binding));
    }
    co_return Status::Ok();
  }));
  if (!bound.ok()) return bound;
  NewBroadcast nb;
  nb.bot = "bot";
  nb.all = true;
  nb.text = "news";
  nb.options_json = "{}";
  return Await(s.CreateBroadcast(nb, 1'767'225'600'000));
}

TEST(BroadcastQueueAtRest, QueuedFromStopsAtTheFirstMessageStillQueuedAndPassesTheLast) {
  testing::TempDbPath file;
  auto store = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(store);
  Store& s = **store;
  constexpr int kChats = 300;
  static_assert(kChats <= SqliteStore::kFirstChunk, "made at once");
  auto created = BindAndBroadcastToAll(s, kChats);
  ASSERT_OK(created);
  auto q = Await(s.LoadBroadcastQueued("bot", created->id, 0, INT64_MAX, kChats)).value();
  ASSERT_EQ(q.size(), size_t{kChats});

  sqlite3* raw = testing::OpenRawSqlite(file.path());
  const std::string read = "SELECT queued_from FROM broadcasts WHERE id = " + std::to_string(created->id);
  auto queued_from = [&] { return std::stoll(testing::SqliteText(raw, read.c_str())); };
  EXPECT_EQ(testing::SqliteText(raw,
                                "SELECT count(*) FROM messages INDEXED BY messages_queued_direct "
                                "WHERE bot = 'bot' AND priority = 0 AND broadcast_id IS NULL AND status = 0"),
            "0")
      << "a broadcast's messages are not in the queue's index";
  EXPECT_EQ(queued_from(), 0);

  auto sent = [&](size_t from, size_t to) {
    std::vector<Completion> out;
    for (size_t i = from; i < to; ++i) out.push_back({q[i].id, MessageStatus::kSent, 1, 1, 0, 1, ""});
    return out;
  };
  static_assert(SqliteStore::kQueuedFromStride == 64);
  // The second waits out a 429 while 68 others are sent: past the first, up to it.
  std::vector<Completion> batch = sent(0, 1);
  batch.push_back({q[1].id, MessageStatus::kQueued, 1, 0, 0, 0, "429"});
  for (const Completion& c : sent(2, 70)) batch.push_back(c);
  ASSERT_OK(Await(s.Complete(batch)));
  EXPECT_EQ(queued_from(), q[1].id);
  ASSERT_OK(Await(s.Complete(sent(70, 140))));
  EXPECT_EQ(queued_from(), q[1].id) << "the retry holds it";
  batch = sent(1, 2);
  for (const Completion& c : sent(140, 210)) batch.push_back(c);
  ASSERT_OK(Await(s.Complete(batch)));
  EXPECT_EQ(queued_from(), q[210].id) << "over the ones sent meanwhile";
  ASSERT_OK(Await(s.Complete(sent(210, 220))));
  EXPECT_EQ(queued_from(), q[210].id) << "10 outcomes: it may lag that far";
  ASSERT_OK(Await(s.Complete(sent(220, kChats))));
  EXPECT_EQ(queued_from(), q.back().id + 1) << "none queued: past the last";
  EXPECT_EQ(Await(s.GetBroadcast(created->id))->status, "done");
  sqlite3_close(raw);
}

// Moving queued_from reads the table over a window of ids first (a chunk's
// messages have consecutive ids); a later chunk, made after more ids than
// the window went to other messages, is found through the broadcast's index.
TEST(BroadcastQueueAtRest, QueuedFromFindsALaterChunkPastOtherMessages) {
  testing::TempDbPath file;
  auto store = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(store);
  Store& s = **store;
  constexpr int kChats = SqliteStore::kFirstChunk + 100;
  constexpr int kOthers = SqliteStore::kQueuedFromWindow + 50;
  auto created = BindAndBroadcastToAll(s, kChats);
  ASSERT_OK(created);
  // One-to-one messages take the ids after the first chunk's...
  for (int i = 0; i < kOthers; ++i) {
    NewMessage m;
    m.bot = "bot";
    m.chat_id = 1;
    m.text = "hi";
    m.options_json = "{}";
    ASSERT_OK(Await(s.Enqueue(m)));
  }
  // ... and the second chunk comes after them.
  ASSERT_OK(Await(s.FillBroadcasts("bot", kChats)));
  auto q = Await(s.LoadBroadcastQueued("bot", created->id, 0, INT64_MAX, kChats)).value();
  ASSERT_EQ(q.size(), size_t{kChats});
  const size_t first_chunk = SqliteStore::kFirstChunk;
  ASSERT_GT(q[first_chunk].id - q[first_chunk - 1].id, SqliteStore::kQueuedFromWindow);

  sqlite3* raw = testing::OpenRawSqlite(file.path());
  const std::string read = "SELECT queued_from FROM broadcasts WHERE id = " + std::to_string(created->id);
  auto queued_from = [&] { return std::stoll(testing::SqliteText(raw, read.c_str())); };
  auto sent = [&](size_t from, size_t to) {
    std::vector<Completion> out;
    for (size_t i = from; i < to; ++i) out.push_back({q[i].id, MessageStatus::kSent, 1, 1, 0, 1, ""});
    return out;
  };
  ASSERT_OK(Await(s.Complete(sent(0, first_chunk))));
  EXPECT_EQ(queued_from(), q[first_chunk].id) << "past the window, through the index";
  ASSERT_OK(Await(s.Complete(sent(first_chunk, q.size()))));
  EXPECT_EQ(queued_from(), q.back().id + 1);
  // A load from the start (a restart) reads none of them again.
  EXPECT_TRUE(Await(s.LoadBroadcastQueued("bot", created->id, 0, INT64_MAX, kChats))->empty());
  sqlite3_close(raw);
}

}  // namespace
}  // namespace tgate::store
