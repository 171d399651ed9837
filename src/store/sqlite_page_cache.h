// SQLite's page cache with a tight bound on the page numbers it holds.
//
// SQLite's default page cache (pcache1) keeps iMaxKey, the highest page
// number it ever held, and every commit truncates the cache to the database's
// size: when iMaxKey is past that size by more than the hash table's length,
// the truncate visits every bucket of the table (8,192 with tgate's 32 MiB
// cache). A b-tree balance (3.40's balance_nonroot) swaps two pages' numbers
// through a temporary one, the pending-byte page (262,145 with 4 KB pages),
// so after any page split that sorts its pages, iMaxKey is that temporary
// number and the next commit scans the whole table. Under inserts into an
// index of random keys (the idempotency keys of POST /v1/messages) that was
// most commits, about 4 % of tgate's CPU.
//
// InstallSqlitePageCache puts a thin layer in front of pcache1 that keeps its
// own bound (PageNumberBound) and passes a truncate on only when a page at or
// past the limit may be held. Every page still lives in pcache1: nothing
// is cached, evicted or sized here, and every other call goes straight on.
// Thread safety: each cache is its connection's, which SQLite uses from one
// thread at a time; only the counters are shared (atomics).
#pragma once

#include <cstdint>

namespace tgate::store {

// An upper bound on the page numbers a cache holds, kept from what goes in
// (a fetch that returns a page, a page renumbered) and what a truncate takes
// out. Pages the cache drops by itself are not seen, so the bound is never
// below a page held but may be above one that left. Besides the highest
// number it tracks a bound on every other page, so a page moved away from
// the highest number (the balance's temporary number, renumbered back at
// once) brings the bound back down.
class PageNumberBound {
 public:
  // `page` is held (fetched or renumbered to).
  void Holds(uint32_t page);
  // The page numbered `from` is renumbered to `to`.
  void Moved(uint32_t from, uint32_t to);
  // Whether a page numbered `limit` or more may be held: only then has a
  // truncate to `limit` anything to do. (Pages are numbered from 1: a
  // highest of 0 is no page at all.)
  bool MayHoldFrom(uint32_t limit) const { return highest_ != 0 && limit <= highest_; }
  // Every page numbered `limit` or more was dropped.
  void Truncated(uint32_t limit);

  uint32_t highest() const { return highest_; }

 private:
  uint32_t highest_ = 0;  // >= every page held
  uint32_t others_ = 0;   // >= every page held but the one numbered highest_
};

// Installs the cache for every connection opened after it. SQLite takes it
// only before it initialises (any earlier open, config or VFS registration
// initialises it): returns whether it is in place; once per process, later
// calls return the first answer. Without it SQLite keeps pcache1 alone,
// which is correct, only slower.
bool InstallSqlitePageCache();

// How many truncates the installed cache passed on to pcache1 and how many
// it answered itself (nothing at or past the limit held). For tests.
struct PageCacheTruncates {
  int64_t passed = 0;
  int64_t skipped = 0;
};
PageCacheTruncates SqlitePageCacheTruncates();

}  // namespace tgate::store
