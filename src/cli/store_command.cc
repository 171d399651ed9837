// tgate store copy: moves a stopped tgate's SQLite database into an empty
// PostgreSQL database (store/store_copy.h), holding the source's instance
// lock meanwhile so no tgate starts on it mid-copy, and prints each table's
// rows as it goes, then the time.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/instance_lock.h"
#include "cli/common.h"
#include "pg/connection.h"
#include "store/store_copy.h"

namespace tgate::cli {
namespace {

struct CopyArgs {
  std::string from;
  std::string to;
};

int RunCopy(const CopyArgs& args) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(args.from, ec)) {
    return Fail("no SQLite database at '" + args.from +
                "' (--from names tgate's database file, db in the config)");
  }
  if (!pg::IsPostgresUrl(args.to)) {
    return Fail("--to must be a PostgreSQL URL, e.g. postgresql://tgate@db.example.com/tgate");
  }
  // Held until the copy ends: a tgate running on the source would keep
  // changing it (and one started meanwhile would see the copy miss its work).
  auto lock = app::InstanceLock::Acquire(args.from);
  if (!lock.ok()) {
    if (lock.status().code() == Code::kConflict) {
      return Fail("'" + args.from + "' is in use by a running tgate: stop tgate first, then copy");
    }
    return Fail(lock.status().message());
  }
  const auto started = std::chrono::steady_clock::now();
  return RunAsync([&](asio::io_context& io) -> Awaitable<int> {
    store::CopyOptions options;
    options.from = args.from;
    options.to = args.to;
    std::cout << "copying " << args.from << " into " << pg::Redact(args.to) << " (one transaction)"
              << std::endl;
    options.on_table = [](const store::CopiedTable& t) {
      char line[96];
      std::snprintf(line, sizeof line, "  %-16s %12lld rows", t.table.c_str(),
                    static_cast<long long>(t.rows));
      std::cout << line << std::endl;
    };
    auto report = co_await store::CopyStore(io.get_executor(), options);
    if (!report.ok()) {
      co_return Fail(report.status().message() + " (the target was left as it was)");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", seconds);
    std::cout << "committed in " << took << "\n";
    std::cout << "next ids: message " << report->next_message_id << ", broadcast "
              << report->next_broadcast_id << ", event " << report->next_event_id << "\n"
              << "point tgate's db at the PostgreSQL URL, then start it" << std::endl;
    co_return 0;
  });
}

}  // namespace

void AddStoreCommand(CLI::App& app, Globals& /*g*/) {
  static CopyArgs args;
  CLI::App* store = app.add_subcommand("store", "Manage tgate's database");
  store->require_subcommand(1);
  CLI::App* copy = store->add_subcommand(
      "copy",
      "Copy a stopped tgate's SQLite database into an empty PostgreSQL database (all or nothing). "
      "Keep the password out of the URL: libpq reads PGPASSWORD or ~/.pgpass");
  copy->add_option("--from", args.from, "The SQLite database file (tgate must be stopped)")->required();
  copy->add_option("--to", args.to, "The PostgreSQL URL, postgresql://user@host:port/db (must be empty)")
      ->required();
  copy->callback([] { ExitWith(RunCopy(args)); });
}

}  // namespace tgate::cli
