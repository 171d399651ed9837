// StatusSnapshot: the figures the status page shows, gathered at one moment
// (app/status_source.h fills it), and their JSON for GET /status.json. Also
// BroadcastPace, which turns successive looks at a broadcast's counts into
// its send rate and ETA. Plain data and pure functions; no I/O, no clock of
// its own. Not the metrics exposition (core/metrics.h).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "status/send_rate_history.h"

namespace tgate::status {

struct WebhookHealth {
  bool checked = false;  // getWebhookInfo answered at least once
  bool url_set = false;
  std::string last_error_message;  // Telegram's, "" when none
  int64_t last_error_date = 0;     // Unix seconds, 0 when none
  int64_t pending_update_count = 0;
};

struct BroadcastProgress {
  int64_t id = 0;
  int64_t total = 0;
  int64_t sent = 0;
  int64_t failed = 0;
  int64_t skipped = 0;
  int64_t cancelled = 0;
  int64_t pending = 0;          // queued, not materialized yet included
  double per_second = 0;        // over the looks so far (BroadcastPace)
  std::optional<double> eta_s;  // none until a rate is known
};

struct FailureLine {
  int64_t message_id = 0;
  std::string user;
  std::string reason;
  int64_t at_s = 0;  // Unix seconds
};

struct BotStatus {
  std::string name;
  std::string username;  // from getMe; "" until it answered
  bool long_polling = false;
  bool owned = true;  // this instance sends for it
  std::string owner;  // when not owned: the instance that does ("" if none)
  std::string owner_listen;
  WebhookHealth webhook;
  double limit_per_second = 0;  // the configured global limit
  // Live dispatcher figures (meaningful when owned).
  uint64_t sent = 0, failed = 0, retried = 0, rate_limited = 0, in_flight = 0, loaded = 0;
  bool outage = false;
  double global_rate = 0;
  std::vector<SendRateHistory::Point> rate;  // the last hour
  double rate_interval_s = 10;
  // From the store.
  int64_t queue_depth = -1;  // -1: could not be read
  std::vector<BroadcastProgress> broadcasts;
  std::vector<FailureLine> failures;  // newest first
};

struct StatusSnapshot {
  std::string version;
  std::string instance;  // this instance's id (PostgreSQL), "" on SQLite
  int64_t now_s = 0;
  int64_t outbox_backlog = -1;      // events not delivered to the site yet; -1 unknown
  int64_t outbox_oldest_age_s = 0;  // how long the oldest of them has waited; 0: none
  std::vector<BotStatus> bots;
};

boost::json::object ToJson(const StatusSnapshot& s);

// Remembers when each broadcast was first seen and how far it was, to give
// its rate (done per second since then) and ETA (pending / rate). Forget()
// what is no longer running.
class BroadcastPace {
 public:
  // `now_s`: any monotonic seconds. Fills p.per_second and p.eta_s.
  void Update(BroadcastProgress& p, double now_s);
  // Drops every broadcast not in `running`.
  void Retain(const std::vector<int64_t>& running);

 private:
  struct First {
    double at_s;
    int64_t done;
  };
  std::map<int64_t, First> first_;
};

}  // namespace tgate::status
