// DeadlineWatch: keeps the deadlines of all of one Client's connections that
// have a write or read under way, with a single timer. The timer is armed for
// the soonest deadline only while some connection is busy, and cancelled when
// the last one finishes, so a request on a warm connection costs no timer of
// its own and an idle Client leaves no pending work behind. With `stays_armed`
// it is not cancelled when the last one finishes: a later request whose
// deadline is no sooner costs no timer work at all, and the timer, firing
// with nothing due, arms itself again only if something is busy. When a deadline
// passes, the connection's Expire() closes it and its pending operation fails.
// Not a timeout for connect or TLS handshakes (those use the stream's own).
// Threading: the Client's executor only.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "http/asio.h"

namespace tgate::http {

class DeadlineWatch {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  // What the watch calls when a deadline passes.
  class Watched {
   public:
    virtual void Expire() = 0;

   protected:
    ~Watched() = default;

   private:
    friend class DeadlineWatch;
    Deadline deadline_{};
    size_t slot_ = SIZE_MAX;  // index in busy_, SIZE_MAX when not watched
  };

  explicit DeadlineWatch(asio::any_io_executor executor, bool stays_armed = false);
  ~DeadlineWatch();
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  // `w` has an operation under way that must end by `deadline`.
  void Add(Watched& w, Deadline deadline);
  // Its operation ended (or it is going away). Harmless if not watched.
  void Remove(Watched& w);

 private:
  struct State;
  static void Arm(const std::shared_ptr<State>& state, Deadline at);
  static void OnTimer(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
};

}  // namespace tgate::http
