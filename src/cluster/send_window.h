// SendWindow: whether this instance may still send for a bot it leased, by
// its own monotonic clock alone. The lease's expiry lives on the database's
// clock (expires_at = now() + lease when the renewal ran there), and the two
// clocks are never compared. What this instance knows for sure is when it
// SENT its last renewal that succeeded: the database ran it after that, so the
// lease lasts at least until sent + lease (clock rates agree well; their
// readings need not). It may send until sent + lease - margin, the margin
// covering clock rate drift and a send already on the wire; a takeover waits
// for expires_at < now() on the database, so the old owner has stopped by
// then. A renewal that succeeds but comes back late thus buys little: the
// window counts from when it was sent.
// Pure (time is an argument), so the rule is tested on a FakeClock in
// milliseconds. Not the lease row (lease_table.h), nor the loop that renews
// it (lease_keeper.h).
#pragma once

#include <chrono>

#include "core/clock.h"

namespace tgate::cluster {

class SendWindow {
 public:
  SendWindow(std::chrono::milliseconds lease, std::chrono::milliseconds margin) : length_(lease - margin) {}

  // A renewal (or the acquisition) sent at `sent` succeeded. One that was
  // sent before the latest known (answers may arrive out of order) changes
  // nothing.
  void Renewed(SteadyTime sent) {
    if (sent + length_ > until_) until_ = sent + length_;
  }
  // Sending is allowed strictly before until().
  bool MaySend(SteadyTime now) const { return now < until_; }
  // When MaySend turns false unless a renewal succeeds; SteadyTime::min()
  // before the first.
  SteadyTime until() const { return until_; }

 private:
  std::chrono::steady_clock::duration length_;
  SteadyTime until_ = SteadyTime::min();
};

}  // namespace tgate::cluster
