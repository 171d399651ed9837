// tgate: the executable. Everything is in the command line (cli/).
#include "cli/cli.h"

// jemalloc's options (tgate links jemalloc, see CMakeLists.txt); read once at
// its first allocation, before main. Without a background thread jemalloc
// returns freed pages to the OS only while the process keeps allocating, so
// the memory of a connection spike (13 -> 77 MB for 10,000 connections) stayed
// after the connections closed (71 MB). The background thread purges unused
// dirty pages after dirty_decay_ms (5 s) even when tgate is idle, and
// muzzy_decay_ms:0 releases them with MADV_DONTNEED at once (lazily freed
// MADV_FREE pages would still count in RSS). MALLOC_CONF in the environment
// still overrides these.
extern "C" {
__attribute__((used)) const char* malloc_conf = "background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0";
}

int main(int argc, char** argv) { return tgate::cli::Run(argc, argv); }
