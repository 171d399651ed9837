#include "status/status_snapshot.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tgate::status {
namespace {

StatusSnapshot Sample() {
  StatusSnapshot s;
  s.version = "0.1.0+abc";
  s.now_s = 1800000000;
  s.outbox_backlog = 3;
  s.outbox_oldest_age_s = 42;
  BotStatus b;
  b.name = "shop";
  b.username = "shop_bot";
  b.limit_per_second = 30;
  b.sent = 120;
  b.rate_limited = 2;
  b.queue_depth = 40;
  b.webhook = {true, true, "Connection refused", 1799999990, 7};
  b.rate = {{20, 4.5}, {0, 6.25}};
  b.broadcasts.push_back(
      {.id = 9, .total = 100, .sent = 60, .failed = 1, .pending = 39, .per_second = 3, .eta_s = 13.0});
  b.failures.push_back({12, "42", "Forbidden: bot was blocked by the user", 1799999999});
  s.bots.push_back(b);
  BotStatus other;
  other.name = "news";
  other.owned = false;
  other.owner = "inst-b";
  other.owner_listen = "10.0.0.2:8080";
  s.bots.push_back(other);
  return s;
}

TEST(StatusSnapshot, JsonCarriesEveryFigure) {
  boost::json::object o = ToJson(Sample());
  EXPECT_EQ(o.at("version"), "0.1.0+abc");
  EXPECT_EQ(o.at("outbox").at("backlog"), 3);
  EXPECT_EQ(o.at("outbox").at("oldest_age_seconds"), 42);
  const auto& bot = o.at("bots").at(0).as_object();
  EXPECT_EQ(bot.at("name"), "shop");
  EXPECT_EQ(bot.at("username"), "shop_bot");
  EXPECT_EQ(bot.at("queue_depth"), 40);
  EXPECT_EQ(bot.at("webhook").at("last_error_message"), "Connection refused");
  EXPECT_EQ(bot.at("webhook").at("pending_update_count"), 7);
  EXPECT_EQ(bot.at("dispatch").at("sent"), 120);
  EXPECT_EQ(bot.at("dispatch").at("rate_limited"), 2);
  EXPECT_EQ(bot.at("limit_per_second").as_double(), 30);
  const auto& points = bot.at("rate").at("points").as_array();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[1].at(1).as_double(), 6.25);
  const auto& bc = bot.at("broadcasts").at(0);
  EXPECT_EQ(bc.at("id"), 9);
  EXPECT_EQ(bc.at("eta_seconds"), 13);
  EXPECT_EQ(bot.at("failures").at(0).at("reason"), "Forbidden: bot was blocked by the user");
  EXPECT_FALSE(bot.contains("owner"));
}

TEST(StatusSnapshot, ABotOwnedElsewhereNamesItsOwnerAndHasNoLiveFigures) {
  const boost::json::object o = ToJson(Sample());
  const auto& bot = o.at("bots").at(1).as_object();
  EXPECT_EQ(bot.at("owned"), false);
  EXPECT_EQ(bot.at("owner"), "inst-b");
  EXPECT_EQ(bot.at("owner_listen"), "10.0.0.2:8080");
  EXPECT_FALSE(bot.contains("dispatch"));
  EXPECT_FALSE(bot.contains("rate"));
}

TEST(BroadcastPace, RateAndEtaFromTheFirstLook) {
  BroadcastPace pace;
  BroadcastProgress p{.id = 1, .total = 100, .sent = 10, .pending = 90};
  pace.Update(p, 100.0);
  EXPECT_EQ(p.per_second, 0);
  EXPECT_FALSE(p.eta_s);  // one look: no rate yet
  p.sent = 30;
  p.failed = 10;
  p.pending = 60;
  pace.Update(p, 110.0);
  EXPECT_DOUBLE_EQ(p.per_second, 3.0);  // 30 done in 10 s
  ASSERT_TRUE(p.eta_s);
  EXPECT_DOUBLE_EQ(*p.eta_s, 20.0);
}

TEST(BroadcastPace, ForgetsWhatIsNoLongerRunning) {
  BroadcastPace pace;
  BroadcastProgress p{.id = 1, .total = 10, .pending = 10};
  pace.Update(p, 0);
  pace.Retain({});
  p.sent = 5;
  pace.Update(p, 5);  // a first look again
  EXPECT_EQ(p.per_second, 0);
}

}  // namespace
}  // namespace tgate::status
