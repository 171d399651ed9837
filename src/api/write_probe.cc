#include "api/write_probe.h"

#include <algorithm>
#include <string>

#include "core/log_stopped.h"

namespace tgate::api {

struct WriteProbe::State {
  const Clock* clock = nullptr;
  bool ended = false;  // the WriteProbe is gone: the probe's coroutine touches nothing but this
  bool in_flight = false;
  SteadyTime started{};
  std::optional<Status> last;  // the last probe's answer
  SteadyTime answered{};
  std::vector<Timer*> waiting;  // the checks waiting for the probe under way
  int probes = 0;
};

WriteProbe::WriteProbe(asio::any_io_executor executor, const Clock& clock,
                       std::function<Awaitable<Status>()> write, WriteProbeOptions options)
    : executor_(executor),
      clock_(clock),
      write_(std::move(write)),
      options_(options),
      state_(std::make_shared<State>()) {
  state_->clock = &clock_;
}

WriteProbe::~WriteProbe() {
  state_->ended = true;
  for (Timer* t : state_->waiting) t->Cancel();
}

int WriteProbe::probes() const { return state_->probes; }

Awaitable<void> WriteProbe::Run(std::shared_ptr<State> state, std::function<Awaitable<Status>()> write) {
  Awaitable<Status> call = write();
  Status s = co_await std::move(call);
  if (state->ended) co_return;
  state->in_flight = false;
  state->last = std::move(s);
  state->answered = state->clock->Now();
  for (Timer* t : state->waiting) t->Cancel();  // wakes them: the answer is in
}

Awaitable<Status> WriteProbe::Check() {
  std::shared_ptr<State> state = state_;
  const SteadyTime now = clock_.Now();
  if (!state->in_flight && state->last && now - state->answered < options_.cache) co_return *state->last;
  if (!state->in_flight) {
    state->in_flight = true;
    state->started = now;
    ++state->probes;
    asio::co_spawn(executor_, Run(state, write_), LogStopped("readiness: the database write probe"));
  }
  // Wait for the answer, at most `timeout` (from now: a probe already under
  // way had its own checks' time).
  std::unique_ptr<Timer> timer = clock_.MakeTimer(executor_);
  timer->ExpiresAt(now + options_.timeout);
  state->waiting.push_back(timer.get());
  while (state->in_flight && !state->ended && clock_.Now() < now + options_.timeout) {
    co_await timer->Wait();
  }
  std::erase(state->waiting, timer.get());
  if (state->ended) co_return Status::Unavailable("shutting down");
  if (state->in_flight) {
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - state->started);
    co_return Status::Unavailable("a write did not complete within " + std::to_string(waited.count()) +
                                  " ms");
  }
  co_return *state->last;
}

}  // namespace tgate::api
