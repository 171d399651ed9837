// ClosingSummary: the log line a graceful shutdown ends with, per bot: what
// this run sent and failed, and what stays queued in the database for the
// next start. A report only: it changes nothing and never fails the shutdown.
#pragma once

#include <string>

#include "dispatch/dispatcher.h"
#include "http/asio.h"
#include "store/queue_store.h"

namespace tgate::app {

// The summary's text for `bot` (pure). `queued` < 0: the store could not say.
std::string ClosingSummary(const std::string& bot, const dispatch::DispatcherStats& stats, int64_t queued);

// Logs ClosingSummary at info, reading the queued count from `queue`. Call
// after the bot's dispatcher stopped.
Awaitable<void> LogClosingSummary(std::string bot, dispatch::DispatcherStats stats, store::QueueStore& queue);

}  // namespace tgate::app
