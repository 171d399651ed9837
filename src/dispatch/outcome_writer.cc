#include "dispatch/outcome_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace tgate::dispatch {

namespace json = boost::json;

namespace {

constexpr size_t kFlushAtOnce = 512;  // completions per batch before flushing early
constexpr auto kRetryFailedWrite = std::chrono::seconds(1);
// A write under way longer than this holds new sends back (HoldsSends): far
// above a healthy round trip, short enough that a cut-off owner sends only a
// few more before it stops.
constexpr auto kSlowWrite = std::chrono::milliseconds(250);

int64_t WallMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Wall().time_since_epoch()).count();
}

}  // namespace

OutcomeWriter::OutcomeWriter(store::QueueStore& store, const Clock& clock, Scheduler& scheduler,
                             OutcomeWriterOptions options)
    : store_(store), clock_(clock), scheduler_(scheduler), options_(std::move(options)) {}

void OutcomeWriter::Finish(const Job& job, const Loaded& m, store::MessageStatus status,
                           const std::string& error) {
  store::Completion c;
  c.id = job.id;
  c.status = status;
  c.attempts = m.message.attempts;
  c.parts = static_cast<int>(m.parts().size());
  c.parts_sent = job.parts_sent;
  c.telegram_message_id = m.first_telegram_id;
  c.error = error;
  c.broadcast_id = m.message.broadcast_id;
  completions_.push_back(std::move(c));
  if (m.message.priority == store::Priority::kDirect) {
    json::object ev{{"type", status == store::MessageStatus::kSent ? "message.sent" : "message.failed"},
                    {"id", job.id},
                    {"chat_id", job.chat_id}};
    if (!m.message.user.empty()) ev["user"] = m.message.user;
    if (m.first_telegram_id) ev["telegram_message_id"] = m.first_telegram_id;
    if (!error.empty()) ev["error"] = error;
    Emit(std::move(ev));
  }
  if (completions_.size() == 1) flush_due_ = clock_.Now() + options_.flush_interval;
  if (completions_.size() >= kFlushAtOnce && !failing_) flush_due_ = std::min(flush_due_, clock_.Now());
}

void OutcomeWriter::Progress(const Job& job, const Loaded& m, int64_t not_before_ms) {
  store::Completion c;
  c.id = job.id;
  c.status = store::MessageStatus::kQueued;
  c.attempts = m.message.attempts;
  c.parts = static_cast<int>(m.parts().size());
  c.parts_sent = job.parts_sent;
  c.not_before_ms = not_before_ms;
  c.broadcast_id = m.message.broadcast_id;
  Batch(std::move(c));
}

void OutcomeWriter::Batch(store::Completion c) {
  completions_.push_back(std::move(c));
  if (completions_.size() == 1) flush_due_ = clock_.Now() + options_.flush_interval;
}

void OutcomeWriter::Emit(json::object event) {
  event["bot"] = options_.bot;
  events_.push_back(json::serialize(event));
}

void OutcomeWriter::CloseChat(int64_t chat_id, store::UserStatus status) {
  closed_.push_back({options_.bot, chat_id, status});
}

bool OutcomeWriter::Closing(int64_t chat_id) const {
  return std::any_of(closed_.begin(), closed_.end(),
                     [&](const store::ClosedChat& c) { return c.chat_id == chat_id; });
}

void OutcomeWriter::ChatDone(int64_t chat_id, SteadyTime now) {
  if (chat_id < 0 && !completions_.empty()) {
    done_after_flush_.push_back(chat_id);
    flush_due_ = std::min(flush_due_, now);  // at the loop's next pass: the group waits for it
    return;
  }
  scheduler_.Done(chat_id, now);
}

void OutcomeWriter::ReleaseChatsAfterFlush() {
  if (done_after_flush_.empty()) return;
  const SteadyTime now = clock_.Now();
  for (int64_t chat : done_after_flush_) scheduler_.Done(chat, now);
  done_after_flush_.clear();
}

bool OutcomeWriter::HoldsSends(SteadyTime now) const {
  if (failing_) return true;
  return flushing_ && (now - flush_started_ > kSlowWrite || completions_.size() >= kFlushAtOnce);
}

Awaitable<void> OutcomeWriter::Flush() {
  if (flushing_) co_return;
  if (completions_.empty() && closed_.empty() && events_.empty()) {
    ReleaseChatsAfterFlush();
    co_return;
  }
  // The batch is taken out, so what is batched while the store writes (it
  // may suspend) waits for the next flush, and its groups with it.
  std::vector<store::Completion> completions;
  std::vector<store::ClosedChat> closed;
  std::vector<std::string> events;
  std::vector<int64_t> done;
  completions.swap(completions_);
  closed.swap(closed_);
  events.swap(events_);
  done.swap(done_after_flush_);
  const int64_t now_ms = WallMs(clock_);
  flushing_ = true;
  flush_started_ = clock_.Now();
  Status s = co_await store_.WriteOutcomes(completions, closed, events, now_ms);
  flushing_ = false;
  failing_ = !s.ok();
  if (!s.ok()) {
    // Kept in memory, ahead of what came meanwhile, and tried again: the
    // messages stay queued in the store meanwhile.
    spdlog::error("bot {}: writing {} outcomes failed: {}", options_.bot, completions.size(), s.message());
    completions.insert(completions.end(), std::make_move_iterator(completions_.begin()),
                       std::make_move_iterator(completions_.end()));
    completions_ = std::move(completions);
    closed.insert(closed.end(), std::make_move_iterator(closed_.begin()),
                  std::make_move_iterator(closed_.end()));
    closed_ = std::move(closed);
    events.insert(events.end(), std::make_move_iterator(events_.begin()),
                  std::make_move_iterator(events_.end()));
    events_ = std::move(events);
    done.insert(done.end(), done_after_flush_.begin(), done_after_flush_.end());
    done_after_flush_ = std::move(done);
    flush_due_ = clock_.Now() + kRetryFailedWrite;
    co_return;
  }
  const bool had_events = !events.empty();
  if (!done.empty()) {
    const SteadyTime now = clock_.Now();
    for (int64_t chat : done) scheduler_.Done(chat, now);
  }
  if (had_events && options_.on_events) options_.on_events();
}

}  // namespace tgate::dispatch
