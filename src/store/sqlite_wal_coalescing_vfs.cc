// WalCoalescingVfs implementation: a copy of the default VFS whose xOpen
// wraps files opened as a WAL (SQLITE_OPEN_WAL) in a WalFile and hands every
// other file to the default VFS untouched. A WalFile keeps one run of
// contiguous bytes not yet written (`start`, `pending`); see the header for
// when it is written. A connection's files are used by one thread at a time
// (SQLite's rule for a connection), so a WalFile needs no lock.
#include "store/sqlite_wal_coalescing_vfs.h"

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <type_traits>

namespace tgate::store {
namespace {

// A WAL frame's header; its bytes 4..7 hold the database size in pages after
// the commit for a commit frame, 0 for every other frame.
constexpr int kFrameHeaderSize = 24;
// The WAL file's own header; frames start after it.
constexpr sqlite3_int64 kWalHeaderSize = 32;
// The most written in one call: the unix VFS writes at most 0x1ffff bytes
// per call (it masks the count; a longer write fails as a full disk). A
// longer transaction (a broadcast's insert) is written in runs this long.
constexpr size_t kMaxPending = 0x1ffff;

sqlite3_vfs* g_default = nullptr;  // set once, before the VFS is registered

bool IsCommitFrameHeader(const void* data, int amount, sqlite3_int64 offset) {
  if (amount != kFrameHeaderSize || offset < kWalHeaderSize) return false;
  const auto* b = static_cast<const unsigned char*>(data);
  return (b[4] | b[5] | b[6] | b[7]) != 0;
}

struct WalFile {
  sqlite3_file base;  // first: SQLite sees a WalFile as this
  sqlite3_file* real;
  sqlite3_int64 start;     // file offset of pending[0]
  unsigned char* pending;  // bytes written to us, not yet to `real` (malloc'd, kMaxPending)
  size_t size;             // how many
  bool commit_page_next;   // the last write was a commit frame's header

  static WalFile* Of(sqlite3_file* f) { return std::launder(reinterpret_cast<WalFile*>(f)); }

  int Flush() {
    if (size == 0) return SQLITE_OK;
    const int rc = real->pMethods->xWrite(real, pending, static_cast<int>(size), start);
    // On failure the bytes are dropped as an unbuffered write's would be:
    // SQLite treats the transaction as failed and rewrites what it needs.
    size = 0;
    return rc;
  }

  int Write(const void* data, int amount, sqlite3_int64 offset) {
    const bool commit_page = commit_page_next;
    commit_page_next = IsCommitFrameHeader(data, amount, offset);
    const auto n = static_cast<size_t>(amount);
    const bool extends = size > 0 && offset == start + static_cast<sqlite3_int64>(size);
    if (!extends || size + n > kMaxPending) {
      if (int rc = Flush(); rc != SQLITE_OK) return rc;
    }
    if (n > kMaxPending) return real->pMethods->xWrite(real, data, amount, offset);
    if (size == 0) start = offset;
    std::memcpy(pending + size, data, n);
    size += n;
    // The commit frame's page is the transaction's last frame: write it all
    // now, so the commit's error (a full disk) is this call's.
    return commit_page ? Flush() : SQLITE_OK;
  }
};
static_assert(std::is_standard_layout_v<WalFile>, "SQLite addresses a WalFile as its first member");

// Runs `call` on the real file after writing what is pending.
template <class Call>
int FlushThen(sqlite3_file* f, Call call) {
  WalFile* w = WalFile::Of(f);
  if (int rc = w->Flush(); rc != SQLITE_OK) return rc;
  return call(w->real);
}

int WalClose(sqlite3_file* f) {
  WalFile* w = WalFile::Of(f);
  const int flushed = w->Flush();
  const int closed = w->real->pMethods->xClose(w->real);
  sqlite3_free(w->pending);
  w->base.pMethods = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int WalRead(sqlite3_file* f, void* data, int amount, sqlite3_int64 offset) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xRead(r, data, amount, offset); });
}

int WalWrite(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  return WalFile::Of(f)->Write(data, amount, offset);
}

int WalTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xTruncate(r, size); });
}

int WalSync(sqlite3_file* f, int flags) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xSync(r, flags); });
}

int WalFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xFileSize(r, size); });
}

int WalLock(sqlite3_file* f, int level) {
  sqlite3_file* r = WalFile::Of(f)->real;
  return r->pMethods->xLock(r, level);
}

int WalUnlock(sqlite3_file* f, int level) {
  sqlite3_file* r = WalFile::Of(f)->real;
  return r->pMethods->xUnlock(r, level);
}

int WalCheckReservedLock(sqlite3_file* f, int* out) {
  sqlite3_file* r = WalFile::Of(f)->real;
  return r->pMethods->xCheckReservedLock(r, out);
}

int WalFileControl(sqlite3_file* f, int op, void* arg) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xFileControl(r, op, arg); });
}

int WalSectorSize(sqlite3_file* f) {
  sqlite3_file* r = WalFile::Of(f)->real;
  return r->pMethods->xSectorSize(r);
}

int WalDeviceCharacteristics(sqlite3_file* f) {
  sqlite3_file* r = WalFile::Of(f)->real;
  return r->pMethods->xDeviceCharacteristics(r);
}

// A WAL file is never mapped or given a wal-index; should SQLite ask, the
// real file answers (after the pending bytes are written).
int WalShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xShmMap(r, region, size, extend, out); });
}

int WalShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xShmLock(r, offset, n, flags); });
}

void WalShmBarrier(sqlite3_file* f) {
  WalFile* w = WalFile::Of(f);
  (void)w->Flush();  // void: nothing can be returned; the next call reports a lasting error
  w->real->pMethods->xShmBarrier(w->real);
}

int WalShmUnmap(sqlite3_file* f, int delete_flag) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xShmUnmap(r, delete_flag); });
}

int WalFetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return FlushThen(f, [&](sqlite3_file* r) { return r->pMethods->xFetch(r, offset, amount, out); });
}

int WalUnfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  sqlite3_file* r = WalFile::Of(f)->real;
  return r->pMethods->xUnfetch(r, offset, page);
}

const sqlite3_io_methods kWalMethods = {
    3,
    WalClose,
    WalRead,
    WalWrite,
    WalTruncate,
    WalSync,
    WalFileSize,
    WalLock,
    WalUnlock,
    WalCheckReservedLock,
    WalFileControl,
    WalSectorSize,
    WalDeviceCharacteristics,
    WalShmMap,
    WalShmLock,
    WalShmBarrier,
    WalShmUnmap,
    WalFetch,
    WalUnfetch,
};

// The real file sits after the WalFile, aligned as malloc would align it.
constexpr size_t kRealOffset =
    (sizeof(WalFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);

int Open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) return g_default->xOpen(g_default, name, file, flags, out_flags);
  auto* real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<unsigned char*>(file) + kRealOffset);
  std::memset(real, 0, static_cast<size_t>(g_default->szOsFile));
  auto* pending = static_cast<unsigned char*>(sqlite3_malloc64(kMaxPending));
  if (pending == nullptr) {
    file->pMethods = nullptr;
    return SQLITE_NOMEM;
  }
  const int rc = g_default->xOpen(g_default, name, real, flags, out_flags);
  if (rc != SQLITE_OK) {
    sqlite3_free(pending);
    // SQLite calls xClose only if pMethods is set: close what the real
    // open left half made, then leave ours unset.
    if (real->pMethods != nullptr) real->pMethods->xClose(real);
    file->pMethods = nullptr;
    return rc;
  }
  new (file) WalFile{{&kWalMethods}, real, 0, pending, 0, false};
  return SQLITE_OK;
}

sqlite3_vfs g_vfs;

}  // namespace

const char* WalCoalescingVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_default = sqlite3_vfs_find(nullptr);
    g_vfs = *g_default;
    g_vfs.pNext = nullptr;
    g_vfs.zName = "tgate-wal";
    g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_default->szOsFile;
    g_vfs.xOpen = Open;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return g_vfs.zName;
}

}  // namespace tgate::store
