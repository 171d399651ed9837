// WAL write coalescing: a SQLite VFS ("tgate-wal") that is the system's
// default VFS except that each connection's writes to its WAL file are
// gathered in memory and written with one call per transaction instead of
// two per page (SQLite writes each frame's 24-byte header and its page
// apart). On a VM a write call costs more than the copy of a page, so a
// commit of a few pages cost most of its time in calls.
// Nothing SQLite relies on changes:
// - the buffer is written, and its error returned, within the write of a
//   commit frame's page (a commit frame's header carries the database size;
//   no other frame's does), so a commit that returns has its frames in the
//   file before SQLite publishes it in the wal-index, as without the VFS;
// - every other call on the WAL file (read, sync, size, truncate, close,
//   file control) and every write that does not extend the buffer writes the
//   buffer first, so the file is always what SQLite wrote, in its order.
// Frames of a transaction still open (a page cache spill) wait for the
// commit or for the next of those calls; no other connection reads them.
// Not a cache: nothing is read from the buffer; not durability: syncing is
// SQLite's, unchanged. Other files (the database, its -shm) are the default
// VFS's own, not wrapped.
#pragma once

namespace tgate::store {

// The VFS's name for sqlite3_open_v2; registers it on first use (thread-safe).
const char* WalCoalescingVfs();

}  // namespace tgate::store
