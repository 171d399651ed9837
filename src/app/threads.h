// Threads: which threads `tgate serve` runs, what each owns and how they
// share. Documentation only (there is no code here); the check that code runs
// on its thread is TGATE_ASSERT_ON (core/thread_check.h). A change that adds
// a thread, or moves work to another, changes this file too.
//
// 1. The io thread: the main thread, running the one io_context in
//    cli::ServeUntilSignal (`io.run()`). It owns everything with state:
//    - the Store: its calls are coroutines run on this thread (store.h).
//      SQLite: one connection opened NOMUTEX, usable from this thread only
//      (debug builds assert it on every statement and transaction,
//      store/sqlite_store.h); its calls never suspend. PostgreSQL: a pool of
//      connections whose sockets this io_context waits on; its calls
//      suspend, and other coroutines run meanwhile;
//    - the http::Server's acceptor, and every request's handling: the Router
//      and its handlers, the UpdateReceiver, and the sessions that read and
//      write the connections (unless thread 2 exists);
//    - per bot: the Dispatcher's loop and sends, the UpdateProcessor, the
//      LongPoller, the HttpBotApi clients;
//    - the EventsSender, the Pruner, the Gateway's getMe retries, Metrics.
//    Their coroutines are tied to their owners by core/lifetime.h (debug
//    builds assert that Notify/Stop and the coroutines' sleeps run here).
//    Long work is cut in batches (the Pruner, broadcast materialization) so
//    the thread stays responsive: nothing here may block.
// 2. The HTTP transport threads (none unless http_threads asks for them:
//    app/listener_options.cc, ServerOptions::transport_threads): the
//    http::Server's own pool. By default the io thread reads and writes the
//    connections itself: on a 2-core machine shared with the site, handing
//    each request over and back cost a third more CPU per request than it
//    saved (bench/ingest_bench.cc). With them, their sessions read
//    requests, parse them and write responses, each on a strand; a parsed
//    request is posted to the io thread and its response posted back
//    (http/server.cc, HandOver). They share with the io thread only the
//    Server's connection lists and counts (under its mutex) and the request
//    and response handed over. Stopped and joined when the Server is
//    destroyed.
// 3. Each bot's answers io_context is NOT a thread: nobody calls run() on it;
//    the Dispatcher's loop poll()s it once per tick on the io thread
//    (dispatch/dispatcher.h), so sendMessage answers are read in one wake-up.
// 4. The SQLite checkpointer: one thread per file database
//    (store/sqlite_checkpointer.h), started and joined by the Store. It owns
//    a second connection of its own and shares with the io thread only the
//    database file (SQLite's WAL locks: PASSIVE checkpoints block nobody) and
//    Nudge() (an atomic flag and a condition variable), which the writer's
//    WAL hook calls on the io thread.
// 5. Asio's resolver threads: tcp::resolver::async_resolve runs getaddrinfo
//    on a private thread Asio starts per io_context on first use (the main
//    one; each answers context). They touch nothing of tgate's: the result is
//    handed back to the io thread.
// 6. jemalloc's background thread (the tgate executable only: tgate_main.cc)
//    returns freed pages to the OS; it touches nothing of tgate's.
// Logging (spdlog) is synchronous: a line is written on the thread that logs
// it, through sinks with their own mutex (*_mt), so any thread may log.
// Other commands (tgate webhook, tgate broadcast, ...) run one io_context on
// the main thread until their coroutine ends (cli::RunAsync); `tgate sandbox`
// runs the emulator on tgate's io_context, on the same thread.
// Tests: a test's io_context is run by the test's thread, which then plays the
// io thread (the checks bind to the first thread that uses an object).
#pragma once
