// The small integers SqliteStore keeps in status columns, and back. Private to
// the SQLite backend; the values are part of the on-disk schema (see
// migrations.cc) and must never be renumbered.
#pragma once

#include <cstdint>

#include "store/types.h"

namespace tgate::store {

inline int64_t MessageStatusInt(MessageStatus status) {
  switch (status) {
    case MessageStatus::kQueued:
      return 0;
    case MessageStatus::kSent:
      return 1;
    case MessageStatus::kFailed:
      return 2;
    case MessageStatus::kCancelled:
      return 3;
  }
  return 0;
}

inline MessageStatus MessageStatusOf(int64_t v) {
  switch (v) {
    case 1:
      return MessageStatus::kSent;
    case 2:
      return MessageStatus::kFailed;
    case 3:
      return MessageStatus::kCancelled;
    default:
      return MessageStatus::kQueued;
  }
}

inline int64_t UserStatusInt(UserStatus status) { return status == UserStatus::kActive ? 0 : 1; }
inline UserStatus UserStatusOf(int64_t v) { return v == 0 ? UserStatus::kActive : UserStatus::kBlocked; }

inline int64_t PriorityInt(Priority p) { return p == Priority::kDirect ? 0 : 1; }
inline Priority PriorityOf(int64_t v) { return v == 0 ? Priority::kDirect : Priority::kBroadcast; }

}  // namespace tgate::store
