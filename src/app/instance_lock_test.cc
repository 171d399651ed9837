// InstanceLock on real files: a second holder is refused with the first
// one's pid, the lock is free again once released, the lock file is private
// (0600) whatever the umask, and in-memory databases need none.
#include "app/instance_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/testing.h"

namespace tgate::app {
namespace {

class InstanceLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tgate_lock_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "tgate.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string db_;
};

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0xffff;
}

TEST_F(InstanceLockTest, TheLockFileIsPrivateUnderUmask022) {
  const mode_t old = umask(022);
  auto lock = InstanceLock::Acquire(db_);
  umask(old);
  ASSERT_OK(lock);
  EXPECT_EQ(ModeOf(db_ + ".lock"), 0600u);
}

TEST_F(InstanceLockTest, ALockFileAnOlderTgateMadeReadableBecomesPrivate) {
  std::ofstream(db_ + ".lock") << "123\n";
  ASSERT_EQ(chmod((db_ + ".lock").c_str(), 0644), 0);
  auto lock = InstanceLock::Acquire(db_);
  ASSERT_OK(lock);
  EXPECT_EQ(ModeOf(db_ + ".lock"), 0600u);
}

TEST_F(InstanceLockTest, ASecondHolderIsRefusedWithTheFirstOnesPid) {
  auto first = InstanceLock::Acquire(db_);
  ASSERT_OK(first);
  auto second = InstanceLock::Acquire(db_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kConflict);
  EXPECT_NE(second.status().message().find("in use by another tgate (pid " + std::to_string(getpid()) + ")"),
            std::string::npos)
      << second.status().message();
  EXPECT_NE(second.status().message().find("TGATE_DB"), std::string::npos) << "it says what to do";
}

TEST_F(InstanceLockTest, ReleasedItCanBeTakenAgainAndTheFileStays) {
  { ASSERT_OK(InstanceLock::Acquire(db_)); }
  EXPECT_TRUE(std::filesystem::exists(db_ + ".lock"));
  EXPECT_OK(InstanceLock::Acquire(db_));
}

TEST_F(InstanceLockTest, AnotherDatabaseIsAnotherLock) {
  auto a = InstanceLock::Acquire(db_);
  ASSERT_OK(a);
  EXPECT_OK(InstanceLock::Acquire((dir_ / "other.db").string()));
}

TEST_F(InstanceLockTest, InMemoryDatabasesNeedNone) {
  auto a = InstanceLock::Acquire(":memory:");
  ASSERT_OK(a);
  EXPECT_OK(InstanceLock::Acquire(":memory:"));
}

TEST_F(InstanceLockTest, AMissingDirectoryIsAClearError) {
  auto lock = InstanceLock::Acquire((dir_ / "no" / "such" / "dir" / "tgate.db").string());
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), Code::kUnavailable);
  EXPECT_NE(lock.status().message().find("must exist and be writable"), std::string::npos)
      << lock.status().message();
}

}  // namespace
}  // namespace tgate::app
