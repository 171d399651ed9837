// LoadedMessages: the queued messages the Dispatcher holds in memory while it
// delivers them (at most DispatcherOptions::load_window broadcast messages,
// and as many one-to-one ones: see queue_loader.h), by message id. Each is a
// Loaded: the stored message, its text split for sending, its sendMessage
// fields and what this process learnt delivering it. Keeps the counts the
// loader fills its windows up to (broadcast messages held; one-to-one ones,
// in all and by chat) and the soonest deadline (when the next one may
// expire) in step with the map.
// Not the Scheduler's queue (that holds Jobs, in send order) and not the
// Store's: a message is here from its load to its outcome.
// Not thread-safe: confined to the Dispatcher's thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dispatch/scheduler.h"
#include "store/types.h"

namespace tgate::dispatch {

// What a message sends: its text cut into parts (one if short) and its other
// sendMessage fields, each also written as the JSON the body carries. Made
// once from the stored text and options (queue_loader.h, ContentOf), and
// shared by every message of a broadcast: never changed once made.
struct Content {
  std::vector<std::string> parts;
  boost::json::object params;  // sendMessage fields other than chat_id/text
  // parts[i] as a JSON string; and params less chat_id, text and
  // allow_paid_broadcast (which the body sets), as "key":value, each
  // followed by a comma.
  std::vector<std::string> parts_json;
  std::string fields_json;
};
std::shared_ptr<const Content> MakeContent(std::vector<std::string> parts, boost::json::object params);

// A message held in memory while it is being delivered.
struct Loaded {
  store::Message message;  // as stored; its text and options are in `content`
  std::shared_ptr<const Content> content;
  const std::vector<std::string>& parts() const { return content->parts; }
  const boost::json::object& params() const { return content->params; }
  int transient_failures = 0;
  // Sends of the part being delivered now (job.parts_sent), and the most any
  // part before it took (at a load: the stored attempts, so a restart never
  // lowers them). message.attempts is the larger of the two.
  int part_attempts = 0;
  int earlier_parts_attempts = 0;
  int rate_limited = 0;  // 429s answered to this message
  int64_t first_telegram_id = 0;
  int64_t deadline_ms = INT64_MAX;  // wall ms: past it the message fails as expired
  bool deadline_is_ttl = false;     // the deadline is the site's ttl_seconds, not max_queue_age
  uint64_t ticket = 0;              // of its latest send (OutageMonitor::Ticket)
  // Wall ms from when it could have gone: accepted, or due (a spread
  // broadcast's); what tgate_queue_wait_seconds measures from. The store
  // keeps created_at in whole seconds, so this is the later of its second's
  // end and the load (a message loaded at once is timed from its load).
  int64_t ready_ms = 0;
  bool wait_observed = false;  // its queue wait was counted (at its first send)
};

// The sendMessage body for `job`'s next part of `m`, a JSON object: its own
// fields plus chat_id, text (the part job.parts_sent) and
// allow_paid_broadcast if paid. Written as text, no tree built for it.
std::string SendBody(const Job& job, const Loaded& m);

// Counts a send of the current part into `m` (message.attempts included).
void CountSend(Loaded& m);
// Takes back the last CountSend: Telegram never saw that send.
void UncountSend(Loaded& m);
// The current part was delivered: the next one starts with no sends.
void PartDelivered(Loaded& m);

class LoadedMessages {
 public:
  // nullptr if `id` is not held (never loaded, or finished, cancelled, dropped).
  Loaded* Find(int64_t id);
  const Loaded* Find(int64_t id) const;
  bool Contains(int64_t id) const { return messages_.count(id) != 0; }
  // Holds `m` (REQUIRES: not held yet); returns it in place.
  Loaded& Insert(Loaded m);
  // Lets go of `id`; false if it was not held.
  bool Erase(int64_t id);

  // A group became a supergroup: its held messages now go to `to`.
  void MoveChat(int64_t from, int64_t to);

  // The held messages whose deadline is at or before `wall_ms`, as
  // (chat, message id), and the soonest deadline among the others
  // (INT64_MAX if none) in *next.
  std::vector<std::pair<int64_t, int64_t>> PastDeadline(int64_t wall_ms, int64_t* next) const;
  // The soonest deadline a held message may have: before it, none expires.
  // Kept by the caller (Admit lowers it, ExpireDue re-sets it).
  int64_t next_deadline_ms() const { return next_deadline_ms_; }
  void set_next_deadline_ms(int64_t ms) { next_deadline_ms_ = ms; }

  size_t size() const { return messages_.size(); }
  size_t broadcasts() const { return broadcasts_; }                  // held messages of broadcasts
  size_t directs() const { return messages_.size() - broadcasts_; }  // held one-to-one messages
  // Held one-to-one messages to `chat`.
  size_t DirectsTo(int64_t chat) const;

 private:
  std::unordered_map<int64_t, Loaded> messages_;
  size_t broadcasts_ = 0;
  std::unordered_map<int64_t, size_t> directs_by_chat_;  // only chats with some held
  int64_t next_deadline_ms_ = INT64_MAX;
};

}  // namespace tgate::dispatch
