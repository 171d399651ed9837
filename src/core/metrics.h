// Metrics: named counters, gauges and histograms rendered in Prometheus text
// format for GET /metrics. Names follow Prometheus conventions: a counter is
// named tgate_..._total, only goes up, and is TYPE counter (a count read at
// render time too: Counter(), not Gauge()); each family is rendered once with
// its HELP and TYPE;
// labels are given preformatted (`bot="default",status="sent"`) and must never
// contain a token. Not thread-safe: confined to the io thread, like the rest of
// the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/awaitable.h"
#include "core/histogram.h"

namespace tgate {

class Metrics {
 public:
  // Declares a metric's help text and type ("counter", "gauge" or
  // "histogram"). Describing a family again replaces its text; it is still
  // rendered once.
  void Describe(std::string_view name, std::string_view type, std::string_view help);
  void Inc(std::string_view name, std::string_view labels = {}, uint64_t by = 1);
  void Set(std::string_view name, std::string_view labels, double value);
  // A gauge read at render time (TYPE gauge unless described otherwise).
  void Gauge(std::string_view name, std::string_view labels, std::function<double()> read);
  // A counter read at render time (TYPE counter): `read` must never go down
  // for as long as the process runs (a count kept across restarts of what it
  // counts, as BotRuntime's across its Runs).
  void Counter(std::string_view name, std::string_view labels, std::function<double()> read);
  // A histogram's series, rendered from `h` at each scrape (TYPE histogram).
  // `h` must outlive this Metrics.
  void Histogram(std::string_view name, std::string_view labels, const tgate::Histogram* h);
  // Figures that take a wait to read (the store's: its calls are awaitable)
  // are Set by a refresh awaited before each scrape's Render (Refresh).
  void OnScrape(std::function<Awaitable<void>()> refresh);
  // Runs every OnScrape refresh, in the order they were added.
  Awaitable<void> Refresh();

  std::string Render() const;

 private:
  struct Family {
    std::string type;  // empty until described or first used
    std::string help;
    std::map<std::string, double, std::less<>> values;          // labels -> value
    std::map<std::string, std::function<double()>> readers;     // labels -> reader
    std::map<std::string, const tgate::Histogram*> histograms;  // labels -> series
  };
  // The family `name`, typed `type` unless it has a type already.
  Family& FamilyOf(std::string_view name, std::string_view type);
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<Awaitable<void>()>> refreshes_;
};

}  // namespace tgate
