#include "webhook/update_intake.h"

#include <spdlog/spdlog.h>

#include <string>

namespace tgate::webhook {
namespace {

Status Stopped() { return Status::Unavailable("stopped before the updates were stored; retry"); }

}  // namespace

Awaitable<Status> UpdateIntake::TakeInTransaction(Lifetime::Token life, store::Store& store,
                                                  const std::vector<ReceivedUpdate>& batch,
                                                  Taken& taken) const {
  bool processing_failed = false;
  Status s = co_await store.RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    co_return co_await Take(life, tx, batch, Isolation::kNone, taken, processing_failed);
  });
  if (!processing_failed || life.ended()) co_return s;
  // Rolled back whole: again, each update processed in a savepoint.
  co_return co_await store.RunInTransaction([&](store::Store& tx) -> Awaitable<Status> {
    co_return co_await Take(life, tx, batch, Isolation::kSavepoint, taken, processing_failed);
  });
}

Awaitable<Status> UpdateIntake::Take(Lifetime::Token life, store::Store& tx,
                                     const std::vector<ReceivedUpdate>& batch, Isolation isolation,
                                     Taken& taken, bool& processing_failed) const {
  taken = Taken{std::vector<bool>(batch.size()), std::vector<bool>(bots_.size()),
                std::vector<bool>(bots_.size()), std::vector<bool>(bots_.size())};
  // By bot, what becomes of its updates in this batch. kPending: no
  // processor here, one of its updates was pending before, or one of this
  // batch could not be processed (the bot's later ones wait behind it).
  enum class Mode { kNotAsked, kOnReceipt, kPending };
  std::vector<Mode> mode(bots_.size(), Mode::kNotAsked);
  for (size_t i = 0; i < batch.size(); ++i) {
    const ReceivedUpdate& r = batch[i];
    const IntakeBot& bot = bots_[r.bot];
    UpdateProcessor* p = bot.processor ? bot.processor() : nullptr;
    if (!p || !r.parsed) mode[r.bot] = Mode::kPending;
    if (mode[r.bot] == Mode::kNotAsked) {
      auto may = co_await p->MayProcessOnReceipt(tx);
      if (life.ended()) co_return Stopped();
      if (!may.ok()) co_return may.status();
      p = bot.processor();  // asked anew after a store call
      mode[r.bot] = *may && p ? Mode::kOnReceipt : Mode::kPending;
    }
    if (mode[r.bot] == Mode::kOnReceipt) {
      bool replied = false;
      auto processed = co_await p->ProcessOnReceipt(tx, r.update, *r.parsed, isolation, replied);
      if (life.ended()) co_return Stopped();
      if (processed.ok()) {
        taken.inserted[i] = *processed;
        taken.processed[r.bot] = taken.processed[r.bot] || *processed;
        taken.replied[r.bot] = taken.replied[r.bot] || replied;
        continue;
      }
      if (isolation == Isolation::kNone) {  // part of it may be in `tx`
        processing_failed = true;
        co_return Status::Unavailable("update " + std::to_string(r.update.update_id) +
                                      " failed on receipt: " + processed.status().message());
      }
      // Left for the processor's loop, which retries it or sets it aside.
      spdlog::debug("bot {}: update {} not processed on receipt: {}", bot.name, r.update.update_id,
                    processed.status().message());
      mode[r.bot] = Mode::kPending;
    }
    auto stored = co_await tx.InsertUpdate(r.update);
    if (life.ended()) co_return Stopped();
    if (!stored.ok()) co_return stored.status();
    taken.inserted[i] = *stored;
    taken.notify[r.bot] = taken.notify[r.bot] || *stored;
  }
  co_return Status::Ok();
}

void UpdateIntake::Wake(const Taken& taken) const {
  for (size_t b = 0; b < bots_.size() && b < taken.notify.size(); ++b) {
    if (taken.notify[b] && bots_[b].notify) bots_[b].notify();
    if (!taken.processed[b]) continue;
    // The processor may have gone meanwhile (the bot disowned): its
    // successor's loop finds nothing pending, the events sender polls.
    if (UpdateProcessor* p = bots_[b].processor ? bots_[b].processor() : nullptr)
      p->ProcessedOnReceipt(taken.replied[b]);
  }
}

}  // namespace tgate::webhook
