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
  // The processor that takes update i on receipt, else null: each bot's is
  // asked at its first update (MayProcessOnReceipt).
  auto taker = [&](size_t i) -> Awaitable<Result<UpdateProcessor*>> {
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
    co_return mode[r.bot] == Mode::kOnReceipt ? p : nullptr;
  };
  auto store_pending = [&](size_t i) -> Awaitable<Status> {
    const ReceivedUpdate& r = batch[i];
    auto stored = co_await tx.InsertUpdate(r.update);
    if (life.ended()) co_return Stopped();
    if (!stored.ok()) co_return stored.status();
    taken.inserted[i] = *stored;
    taken.notify[r.bot] = taken.notify[r.bot] || *stored;
    co_return Status::Ok();
  };
  auto failed_on_receipt = [&](const ReceivedUpdate& r, std::string_view why) {
    processing_failed = true;
    return Status::Unavailable("update " + std::to_string(r.update.update_id) +
                               " failed on receipt: " + std::string(why));
  };

  if (isolation == Isolation::kNone) {
    // Each update's way is known before any is stored (a failure ends the
    // transaction here, not its bot's way): the batch is stored together,
    // those taken on receipt processed and the others pending, one round
    // trip on PostgreSQL where each took one (on an instance that does not
    // own the bot, every update is pending), then each new one taken on
    // receipt is acted on, in order.
    std::vector<UpdateProcessor*> takers(batch.size(), nullptr);
    std::vector<store::Update> rows;
    rows.reserve(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      auto p = co_await taker(i);
      if (!p.ok()) co_return p.status();
      takers[i] = *p;
      // Without its payload: a processed update's is not kept (store/types.h).
      rows.push_back(takers[i] ? store::Update{batch[i].update.bot, batch[i].update.update_id, {}, true}
                               : batch[i].update);
    }
    std::vector<bool> stored;
    if (!rows.empty()) {
      auto inserted = co_await tx.InsertUpdates(rows);
      if (life.ended()) co_return Stopped();
      if (!inserted.ok()) co_return inserted.status();
      stored = std::move(*inserted);
      if (stored.size() != rows.size())
        co_return Status::Internal("storing " + std::to_string(rows.size()) + " updates answered for " +
                                   std::to_string(stored.size()));
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const ReceivedUpdate& r = batch[i];
      taken.inserted[i] = stored[i];
      if (!takers[i]) {  // left for the processor's loop
        taken.notify[r.bot] = taken.notify[r.bot] || stored[i];
        continue;
      }
      if (!taken.inserted[i]) continue;  // a duplicate: processed when it first came
      // Asked anew after the store calls: ownership may have moved.
      UpdateProcessor* p = bots_[r.bot].processor();
      if (!p) co_return failed_on_receipt(r, "its bot's processor is no longer here");
      bool replied = false;
      Status acted = co_await p->ActOnReceipt(tx, r.update, *r.parsed, replied);
      if (life.ended()) co_return Stopped();
      if (!acted.ok()) co_return failed_on_receipt(r, acted.message());
      taken.processed[r.bot] = true;
      taken.replied[r.bot] = taken.replied[r.bot] || replied;
    }
    co_return Status::Ok();
  }

  // One by one, each processed in a savepoint of its own.
  for (size_t i = 0; i < batch.size(); ++i) {
    const ReceivedUpdate& r = batch[i];
    auto p = co_await taker(i);
    if (!p.ok()) co_return p.status();
    if (*p) {
      bool replied = false;
      auto processed = co_await (*p)->ProcessOnReceipt(tx, r.update, *r.parsed, replied);
      if (life.ended()) co_return Stopped();
      if (processed.ok()) {
        taken.inserted[i] = *processed;
        taken.processed[r.bot] = taken.processed[r.bot] || *processed;
        taken.replied[r.bot] = taken.replied[r.bot] || replied;
        continue;
      }
      // Left for the processor's loop, which retries it or sets it aside.
      spdlog::debug("bot {}: update {} not processed on receipt: {}", bots_[r.bot].name, r.update.update_id,
                    processed.status().message());
      mode[r.bot] = Mode::kPending;
    }
    TGATE_CO_RETURN_IF_ERROR(co_await store_pending(i));
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
