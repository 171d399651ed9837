// Store::Open (the SQLite backend is the embedded default) and the status
// words shared by every backend.
#include "store/store.h"

#include "core/status_macros.h"
#include "store/sqlite_store.h"

namespace tgate::store {

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  TGATE_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(options));
  return std::unique_ptr<Store>(std::move(store));
}

std::string_view ToString(MessageStatus status) {
  switch (status) {
    case MessageStatus::kQueued:
      return "queued";
    case MessageStatus::kSent:
      return "sent";
    case MessageStatus::kFailed:
      return "failed";
    case MessageStatus::kCancelled:
      return "cancelled";
  }
  return "queued";
}

std::string_view ToString(UserStatus status) { return status == UserStatus::kActive ? "active" : "blocked"; }

}  // namespace tgate::store
