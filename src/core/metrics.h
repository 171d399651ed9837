// Metrics: named counters and gauges rendered in Prometheus text format for
// GET /metrics. Names follow Prometheus conventions (tgate_..._total);
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

namespace tgate {

class Metrics {
 public:
  // Declares a metric's help text and type ("counter" or "gauge").
  void Describe(std::string_view name, std::string_view type, std::string_view help);
  void Inc(std::string_view name, std::string_view labels = {}, uint64_t by = 1);
  void Set(std::string_view name, std::string_view labels, double value);
  // A gauge read at render time.
  void Gauge(std::string_view name, std::string_view labels, std::function<double()> read);
  // Figures that take a wait to read (the store's: its calls are awaitable)
  // are Set by a refresh awaited before each scrape's Render (Refresh).
  void OnScrape(std::function<Awaitable<void>()> refresh);
  // Runs every OnScrape refresh, in the order they were added.
  Awaitable<void> Refresh();

  std::string Render() const;

 private:
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<std::string, double> values;                    // labels -> value
    std::map<std::string, std::function<double()>> readers;  // labels -> reader
  };
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<Awaitable<void>()>> refreshes_;
};

}  // namespace tgate
