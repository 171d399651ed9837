// Test-only: what the unit tests of the Dispatcher's parts (queue loader,
// outcome writer, restart guard, answer handler) share: an in-memory Store
// stamped by their FakeClock, and a one-to-one message to queue in it.
// Never included by production code.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/fake_clock.h"
#include "core/testing.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace tgate::dispatch::testing {

using store::testing::Await;

// An in-memory store whose own timestamps (created_at, updated_at) come from `clock`.
inline std::unique_ptr<store::Store> MemStore(const Clock& clock) {
  store::StoreOptions o;
  o.path = ":memory:";
  o.clock = &clock;
  auto s = store::Store::Open(o);
  EXPECT_OK(s);
  return s.ok() ? std::move(*s) : nullptr;
}

// Queues a one-to-one "hi" to `chat` of bot "default"; returns its id (0 on failure).
inline int64_t QueueDirect(store::Store& store, int64_t chat, const std::string& user = "") {
  store::NewMessage m;
  m.bot = "default";
  m.user = user;
  m.chat_id = chat;
  m.text = "hi";
  m.options_json = "{}";
  auto id = Await(store.Enqueue(m));
  EXPECT_OK(id);
  return id.ok() ? id->id : 0;
}

inline int64_t WallMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Wall().time_since_epoch()).count();
}

}  // namespace tgate::dispatch::testing
