// The page cache layer in front of pcache1 (see sqlite_page_cache.h).
#include "store/sqlite_page_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <new>

namespace tgate::store {

void PageNumberBound::Holds(uint32_t page) {
  if (page > highest_) {
    others_ = highest_;
    highest_ = page;
  } else if (page < highest_) {
    others_ = std::max(others_, page);
  }
}

void PageNumberBound::Moved(uint32_t from, uint32_t to) {
  // The page at the highest number left it: every page still held is within
  // others_. (A page moved from elsewhere is not tracked out: the bound stays.)
  if (from == highest_) highest_ = others_;
  Holds(to);
}

void PageNumberBound::Truncated(uint32_t limit) {
  const uint32_t below = limit == 0 ? 0 : limit - 1;
  highest_ = std::min(highest_, below);
  others_ = std::min(others_, below);
}

namespace {

sqlite3_pcache_methods2 g_inner;  // pcache1's, read at install, constant after
std::atomic<int64_t> g_passed{0};
std::atomic<int64_t> g_skipped{0};

struct Cache {
  sqlite3_pcache* inner;
  PageNumberBound bound;
};

Cache* Of(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }

int Init(void*) { return g_inner.xInit ? g_inner.xInit(g_inner.pArg) : SQLITE_OK; }
void Shutdown(void*) {
  if (g_inner.xShutdown) g_inner.xShutdown(g_inner.pArg);
}

sqlite3_pcache* Create(int page_size, int extra_size, int purgeable) {
  sqlite3_pcache* inner = g_inner.xCreate(page_size, extra_size, purgeable);
  if (inner == nullptr) return nullptr;
  Cache* cache = new (std::nothrow) Cache{inner, {}};
  if (cache == nullptr) {
    g_inner.xDestroy(inner);
    return nullptr;
  }
  return reinterpret_cast<sqlite3_pcache*>(cache);
}

void CacheSize(sqlite3_pcache* p, int pages) { g_inner.xCachesize(Of(p)->inner, pages); }
int PageCount(sqlite3_pcache* p) { return g_inner.xPagecount(Of(p)->inner); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* p, unsigned key, int create) {
  sqlite3_pcache_page* page = g_inner.xFetch(Of(p)->inner, key, create);
  if (page != nullptr) Of(p)->bound.Holds(key);
  return page;
}

void Unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) {
  g_inner.xUnpin(Of(p)->inner, page, discard);
}

void Rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned from, unsigned to) {
  g_inner.xRekey(Of(p)->inner, page, from, to);
  Of(p)->bound.Moved(from, to);
}

void Truncate(sqlite3_pcache* p, unsigned limit) {
  Cache* cache = Of(p);
  if (!cache->bound.MayHoldFrom(limit)) {
    g_skipped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  g_passed.fetch_add(1, std::memory_order_relaxed);
  g_inner.xTruncate(cache->inner, limit);
  cache->bound.Truncated(limit);
}

void Destroy(sqlite3_pcache* p) {
  g_inner.xDestroy(Of(p)->inner);
  delete Of(p);
}

void Shrink(sqlite3_pcache* p) {
  if (g_inner.xShrink) g_inner.xShrink(Of(p)->inner);
}

bool Install() {
  if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &g_inner) != SQLITE_OK || g_inner.xCreate == nullptr) {
    return false;
  }
  static sqlite3_pcache_methods2 methods = {
      g_inner.iVersion, nullptr, Init,   Shutdown, Create, CacheSize, PageCount, Fetch, Unpin, Rekey,
      Truncate,         Destroy, Shrink,
  };
  return sqlite3_config(SQLITE_CONFIG_PCACHE2, &methods) == SQLITE_OK;
}

}  // namespace

bool InstallSqlitePageCache() {
  static const bool kInstalled = Install();
  return kInstalled;
}

PageCacheTruncates SqlitePageCacheTruncates() {
  return {g_passed.load(std::memory_order_relaxed), g_skipped.load(std::memory_order_relaxed)};
}

}  // namespace tgate::store
