#include "dispatch/queue_loader.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/status_macros.h"
#include "core/utf8.h"
#include "dispatch/text_splitter.h"

namespace tgate::dispatch {

namespace json = boost::json;

namespace {

constexpr size_t kDirectBatch = 2000;
// Parked ids past which the cursor waits too (8 bytes each, in a deque).
constexpr size_t kMaxParked = 1'000'000;
constexpr auto kReloadEvery = std::chrono::seconds(5);  // safety net for work nobody announced
constexpr auto kLoadAhead = std::chrono::seconds(60);   // how early a broadcast message is loaded
constexpr size_t kBroadcastPage = 1024;                 // rows per read of one broadcast
// Rows a broadcast to "all" is materialized by at a time, as it drains: the
// loop waits for each chunk's insert, so it stays small (~10 ms per 1000).
constexpr size_t kFillChunk = 2000;

}  // namespace

std::shared_ptr<const Content> ContentOf(const std::string& text, const std::string& options_json) {
  json::object params;
  json::error_code ec;
  json::value opts = json::parse(options_json.empty() ? "{}" : options_json, ec);
  if (!ec && opts.is_object()) params = std::move(opts.as_object());
  // Splits only plain text: formatted text over the limit was refused at submission.
  const bool formatted = params.contains("parse_mode") || params.contains("entities");
  std::vector<std::string> parts;
  if (formatted || CountCodePoints(text) <= kMaxPartCodePoints) {
    parts = {text};
  } else {
    parts = SplitText(text);
  }
  return MakeContent(std::move(parts), std::move(params));
}

Admission MakeAdmission(store::Message m, SteadyTime now, int64_t wall_ms, std::chrono::seconds max_queue_age,
                        std::shared_ptr<const Content> content) {
  Admission a;
  Loaded& l = a.loaded;
  l.content = content ? std::move(content) : ContentOf(m.text, m.options_json);
  // Held until its outcome, a window of them at a time: the content has them.
  m.text = std::string();
  m.options_json = std::string();
  l.earlier_parts_attempts = m.attempts;
  Job& job = a.job;
  job.id = m.id;
  job.chat_id = m.chat_id;
  job.priority = m.priority;
  job.paid = m.paid;
  job.broadcast_id = m.broadcast_id;
  job.parts_sent = m.parts_sent;
  // not_before is wall time in the store; the scheduler runs on steady time.
  if (m.not_before_ms > wall_ms) job.not_before = now + std::chrono::milliseconds(m.not_before_ms - wall_ms);
  // max_queue_age counts from when the message was accepted, or from when it
  // was due if later (a spread broadcast's).
  const int64_t max_age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(max_queue_age).count();
  l.deadline_ms = std::max(m.created_at * 1000, m.not_before_ms) + max_age_ms;
  l.ready_ms = std::max(m.not_before_ms, std::min(m.created_at * 1000 + 999, wall_ms));
  if (m.expires_at_ms > 0 && m.expires_at_ms <= l.deadline_ms) {
    l.deadline_ms = m.expires_at_ms;
    l.deadline_is_ttl = true;
  }
  l.message = std::move(m);
  return a;
}

QueueLoader::QueueLoader(store::QueueStore& queue, store::BroadcastStore& broadcasts, const Clock& clock,
                         LoadedMessages& held, QueueLoaderOptions options, AdmitFn admit)
    : queue_(queue),
      broadcasts_(broadcasts),
      clock_(clock),
      held_(held),
      options_(std::move(options)),
      admit_(std::move(admit)),
      direct_reload_below_(options_.load_window) {}

int64_t QueueLoader::WallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Wall().time_since_epoch()).count();
}

void QueueLoader::Hold(store::Message m, SteadyTime now, int64_t wall_ms) {
  if (held_.Contains(m.id)) return;
  std::shared_ptr<const Content> content = m.broadcast_id != 0 ? BroadcastContent(m) : nullptr;
  Admission a = MakeAdmission(std::move(m), now, wall_ms, options_.max_queue_age, content);
  Loaded& held = held_.Insert(std::move(a.loaded));
  admit_(a.job, held, now, wall_ms);
}

std::shared_ptr<const Content> QueueLoader::BroadcastContent(const store::Message& m) {
  if (!broadcast_content_ || broadcast_content_->text != m.text ||
      broadcast_content_->options_json != m.options_json) {
    broadcast_content_ = MadeContent{m.text, m.options_json, ContentOf(m.text, m.options_json)};
  }
  return broadcast_content_->content;
}

Awaitable<void> QueueLoader::LoadDirect(SteadyTime now) {
  if (now >= next_reload_) broadcasts_announced_ = true;
  need_load_ = false;
  next_reload_ = now + kReloadEvery;
  Status s = co_await ReadDirect(now);
  last_load_failed_ = !s.ok();
  if (!s.ok()) {
    spdlog::error("bot {}: loading queued messages failed: {}", options_.bot, s.message());
    need_load_ = true;
  }
}

bool QueueLoader::BroadcastsDue(bool reloaded) const {
  const size_t held = held_.broadcasts();
  // While the one-to-one window is full no reload runs, and an announced
  // broadcast must not wait for it (a paid one has a lane of its own).
  const bool announced = broadcasts_announced_ && (reloaded || !DirectRoom());
  return (announced && held < options_.load_window / 2) || held < reload_below_;
}

Awaitable<void> QueueLoader::LoadBroadcasts(SteadyTime now) {
  broadcasts_announced_ = false;
  Status s = co_await ReadBroadcasts(now);
  if (!s.ok()) {
    last_load_failed_ = true;
    spdlog::error("bot {}: loading queued messages failed: {}", options_.bot, s.message());
    need_load_ = true;
    broadcasts_announced_ = true;
  }
}

bool QueueLoader::DirectDue(SteadyTime now) const {
  return ((need_load_ || now >= next_reload_) && DirectRoom()) || ParkedDue();
}

bool QueueLoader::DirectRoom() const {
  return held_.directs() < direct_reload_below_ && parked_count_ < kMaxParked;
}

bool QueueLoader::ParkedDue() const {
  for (const auto& [chat, ids] : parked_) {
    if (held_.DirectsTo(chat) <= ChatShare() / 2) return true;
  }
  return false;
}

Awaitable<Status> QueueLoader::ReadDirect(SteadyTime now) {
  TGATE_CO_RETURN_IF_ERROR(co_await ReadParked(now));
  const size_t window = options_.load_window;
  const size_t room = window - std::min(window, held_.directs());
  if (room == 0 || parked_count_ >= kMaxParked) {
    need_load_ = true;  // there may be more: once there is room (DirectRoom)
    if (room == 0) direct_reload_below_ = std::max<size_t>(1, window / 2);
    co_return Status::Ok();
  }
  const size_t limit = std::min(kDirectBatch, room);
  TGATE_CO_ASSIGN_OR_RETURN(auto batch, co_await queue_.LoadQueued(options_.bot, store::Priority::kDirect,
                                                                   direct_after_id_, limit));
  const int64_t wall_ms = WallMs();
  size_t parked = 0;
  for (store::Message& m : batch) {
    direct_after_id_ = std::max(direct_after_id_, m.id);
    auto it = parked_.find(m.chat_id);
    if (it != parked_.end() || held_.DirectsTo(m.chat_id) >= ChatShare()) {
      parked_[m.chat_id].push_back(m.id);  // after the chat's own: its order holds
      ++parked_count_;
      ++parked;
      continue;
    }
    Hold(std::move(m), now, wall_ms);
  }
  if (batch.size() == limit) need_load_ = true;  // there may be more: the next pass goes on
  direct_reload_below_ = held_.directs() >= window ? std::max<size_t>(1, window / 2) : window;
  if (!batch.empty()) {
    spdlog::debug("bot {}: loaded {} one-to-one messages ({} parked)", options_.bot, batch.size(), parked);
  }
  co_return Status::Ok();
}

// A parked chat that drained to half its share is topped up again, oldest
// first, each message read by id: one cancelled or failed meanwhile (the
// user blocked the bot), or gone, is let go of.
Awaitable<Status> QueueLoader::ReadParked(SteadyTime now) {
  std::vector<int64_t> due;
  for (const auto& [chat, ids] : parked_) {
    if (held_.DirectsTo(chat) <= ChatShare() / 2) due.push_back(chat);
  }
  for (int64_t chat : due) {
    for (;;) {
      auto it = parked_.find(chat);
      if (it == parked_.end()) break;
      if (it->second.empty()) {
        parked_.erase(it);
        break;
      }
      if (held_.DirectsTo(chat) >= ChatShare()) break;
      const int64_t id = it->second.front();
      auto m = co_await queue_.GetMessage(id);
      if (!m.ok() && !m.status().IsNotFound()) co_return m.status();
      // The map may have changed while the read was under way: look again.
      it = parked_.find(chat);
      if (it == parked_.end() || it->second.empty() || it->second.front() != id) continue;
      it->second.pop_front();
      --parked_count_;
      if (m.ok() && m->status == store::MessageStatus::kQueued) Hold(std::move(*m), now, WallMs());
    }
  }
  co_return Status::Ok();
}

// Each running broadcast is loaded on its own, oldest first, and only what
// falls due within kLoadAhead: a campaign spread over hours holds a minute of
// its messages in memory, not the whole window, so a newer broadcast finds
// room at once. Within a broadcast id order is due order, so its cursor only
// moves forward. The exception, a message waiting out a retry's backoff (it
// was in memory before a restart), comes with the rows after it and is
// admitted with its not_before: the scheduler holds it until then, as it
// would have had tgate not stopped. It takes a place in the window like any
// loaded message, and is due within the longest backoff.
Awaitable<Status> QueueLoader::ReadBroadcasts(SteadyTime now) {
  const size_t window = options_.load_window;
  // Materialize the next chunk of a big broadcast only as it is needed.
  auto made = co_await broadcasts_.FillBroadcasts(options_.bot, std::min(kFillChunk, window / 2));
  if (!made.ok()) co_return made.status();
  TGATE_CO_ASSIGN_OR_RETURN(auto running, co_await broadcasts_.ActiveBroadcasts(options_.bot));
  const int64_t wall_ms = WallMs();
  const int64_t due_by = wall_ms + std::chrono::duration_cast<std::chrono::milliseconds>(kLoadAhead).count();
  const size_t before = held_.broadcasts();
  bool full = false;
  for (int64_t id : running) {
    while (!full) {
      const size_t room = window - std::min(window, held_.broadcasts());
      if (room == 0) {
        full = true;
        break;
      }
      const size_t page = std::min(room, kBroadcastPage);
      // The cursor is looked up after each read: the map may change meanwhile.
      TGATE_CO_ASSIGN_OR_RETURN(auto batch, co_await broadcasts_.LoadBroadcastQueued(
                                                options_.bot, id, broadcast_after_[id], due_by, page));
      for (store::Message& m : batch) {
        broadcast_after_[id] = m.id;
        Hold(std::move(m), now, wall_ms);
      }
      if (batch.size() < page) break;  // the rest is not due yet, or there is none
    }
  }
  // Finished and cancelled broadcasts are not running any more.
  std::erase_if(broadcast_after_, [&](const auto& kv) {
    return std::find(running.begin(), running.end(), kv.first) == running.end();
  });
  // Look again once half of what is loaded has gone (or the periodic reload,
  // or a new broadcast's Notify, finds more).
  reload_below_ = (full ? window : held_.broadcasts()) / 2;
  const size_t now_held = held_.broadcasts();
  if (now_held > before) {
    spdlog::debug("bot {}: loaded {} broadcast messages", options_.bot, now_held - before);
  }
  co_return Status::Ok();
}

}  // namespace tgate::dispatch
