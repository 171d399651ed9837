// Link tokens at rest: only their SHA-256 is written, so the database file
// (and its WAL) never holds a token that could be redeemed, while taking a
// token by its plaintext still works, once.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <string>

#include "core/random.h"
#include "core/testing.h"
#include "store/sqlite_store.h"
#include "store/store_test_util.h"

namespace tgate::store {
namespace {

using testing::Await;

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(LinkTokensAtRest, TheFilesHoldOnlyTheTokensDigest) {
  testing::TempDbPath file;
  const std::string token = "Tok3n_that-must_never-reach_the-disk_42abcd";
  auto store = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(store);
  ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{token, "default", "42", 2000000000})));
  // While open (the row is in the WAL) and after close (checkpointed into the file).
  const std::string open_files = Contents(file.path()) + Contents(file.path() + "-wal");
  EXPECT_EQ(open_files.find(token), std::string::npos);
  EXPECT_NE(open_files.find(Sha256Hex(token)), std::string::npos) << "the digest is what is kept";
  store->reset();
  EXPECT_EQ(Contents(file.path()).find(token), std::string::npos);
  EXPECT_NE(Contents(file.path()).find(Sha256Hex(token)), std::string::npos);

  auto reopened = SqliteStore::Open({file.path(), "normal"});
  ASSERT_OK(reopened);
  EXPECT_TRUE(Await((*reopened)->TakeLinkToken(Sha256Hex(token))).status().IsNotFound())
      << "the digest redeems nothing";
  auto taken = Await((*reopened)->TakeLinkToken(token));
  ASSERT_OK(taken);
  EXPECT_EQ(taken->token, token);
  EXPECT_EQ(taken->bot, "default");
  EXPECT_EQ(taken->user, "42");
  EXPECT_EQ(taken->expires_at, 2000000000);
  EXPECT_TRUE(Await((*reopened)->TakeLinkToken(token)).status().IsNotFound()) << "single use";
}

TEST(LinkTokensAtRest, ATokenPutBackCanBeTakenAgainAndExpiredOnesArePruned) {
  auto store = SqliteStore::Open({":memory:", "normal"});
  ASSERT_OK(store);
  ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{"a", "shop", "7", 100})));
  ASSERT_OK(Await((*store)->PutLinkToken(LinkToken{"b", "shop", "8", 300})));
  auto taken = Await((*store)->TakeLinkToken("a"));
  ASSERT_OK(taken);
  ASSERT_OK(Await((*store)->PutLinkToken(*taken)));  // as Linker does with another bot's token
  EXPECT_EQ(Await((*store)->PruneLinkTokens(200)).value(), 1);
  EXPECT_TRUE(Await((*store)->TakeLinkToken("a")).status().IsNotFound());
  EXPECT_EQ(Await((*store)->TakeLinkToken("b"))->user, "8");
}

}  // namespace
}  // namespace tgate::store
