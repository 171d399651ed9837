#include "status/status_snapshot.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace tgate::status {
namespace {

double Round(double v, double unit) { return std::round(v / unit) * unit; }

boost::json::object ToJson(const BroadcastProgress& b) {
  boost::json::object o{{"id", b.id},           {"total", b.total},
                        {"sent", b.sent},       {"failed", b.failed},
                        {"skipped", b.skipped}, {"cancelled", b.cancelled},
                        {"pending", b.pending}, {"per_second", Round(b.per_second, 0.01)}};
  o["eta_seconds"] = b.eta_s ? boost::json::value(std::llround(*b.eta_s)) : boost::json::value(nullptr);
  return o;
}

boost::json::object ToJson(const BotStatus& b) {
  boost::json::object o{{"name", b.name},
                        {"username", b.username},
                        {"receiving", b.long_polling ? "long polling" : "webhook"},
                        {"owned", b.owned},
                        {"limit_per_second", b.limit_per_second}};
  if (!b.owned) {
    o["owner"] = b.owner;
    o["owner_listen"] = b.owner_listen;
  }
  boost::json::object hook{{"checked", b.webhook.checked},
                           {"url_set", b.webhook.url_set},
                           {"last_error_message", b.webhook.last_error_message},
                           {"last_error_date", b.webhook.last_error_date},
                           {"pending_update_count", b.webhook.pending_update_count}};
  o["webhook"] = std::move(hook);
  o["queue_depth"] = b.queue_depth;
  if (b.owned) {
    o["dispatch"] =
        boost::json::object{{"sent", b.sent},           {"failed", b.failed},
                            {"retried", b.retried},     {"rate_limited", b.rate_limited},
                            {"in_flight", b.in_flight}, {"loaded", b.loaded},
                            {"outage", b.outage},       {"global_rate", Round(b.global_rate, 0.01)}};
    boost::json::array rate;
    for (const auto& p : b.rate) {
      rate.push_back(boost::json::array{Round(p.seconds_ago, 0.1), Round(p.per_second, 0.01)});
    }
    o["rate"] = boost::json::object{{"interval_seconds", b.rate_interval_s}, {"points", std::move(rate)}};
  }
  boost::json::array bs;
  for (const auto& x : b.broadcasts) bs.push_back(ToJson(x));
  o["broadcasts"] = std::move(bs);
  boost::json::array fs;
  for (const auto& f : b.failures) {
    fs.push_back(boost::json::object{
        {"message_id", f.message_id}, {"user", f.user}, {"reason", f.reason}, {"at", f.at_s}});
  }
  o["failures"] = std::move(fs);
  return o;
}

}  // namespace

boost::json::object ToJson(const StatusSnapshot& s) {
  boost::json::array bots;
  for (const auto& b : s.bots) bots.push_back(ToJson(b));
  boost::json::object outbox{{"backlog", s.outbox_backlog}, {"oldest_age_seconds", s.outbox_oldest_age_s}};
  return boost::json::object{{"version", s.version},
                             {"instance", s.instance},
                             {"now", s.now_s},
                             {"outbox", std::move(outbox)},
                             {"bots", std::move(bots)}};
}

void BroadcastPace::Update(BroadcastProgress& p, double now_s) {
  const int64_t done = p.sent + p.failed + p.cancelled;
  auto [it, fresh] = first_.try_emplace(p.id, First{now_s, done});
  p.per_second = 0;
  p.eta_s.reset();
  if (fresh) return;
  const double elapsed = now_s - it->second.at_s;
  if (elapsed <= 0) return;
  p.per_second = double(done - it->second.done) / elapsed;
  if (p.per_second > 0) p.eta_s = double(p.pending) / p.per_second;
}

void BroadcastPace::Retain(const std::vector<int64_t>& running) {
  std::erase_if(first_, [&](const auto& kv) {
    return std::find(running.begin(), running.end(), kv.first) == running.end();
  });
}

}  // namespace tgate::status
