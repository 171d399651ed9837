#include "core/metrics.h"

#include <cmath>
#include <cstdio>

namespace tgate {
namespace {

std::string Sample(const std::string& name, const std::string& labels, double v) {
  char num[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(num, sizeof num, "%.0f", v);
  } else {
    std::snprintf(num, sizeof num, "%g", v);
  }
  std::string out = name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " ";
  out += num;
  out += "\n";
  return out;
}

// The series `labels`, found by its view (a series counted on every request
// costs no string) and made at 0 the first time.
double& ValueOf(std::map<std::string, double, std::less<>>& values, std::string_view labels) {
  auto it = values.find(labels);
  if (it == values.end()) it = values.emplace(std::string(labels), 0.0).first;
  return it->second;
}

}  // namespace

void Metrics::Describe(std::string_view name, std::string_view type, std::string_view help) {
  Family& f = families_[std::string(name)];
  f.type = type;
  f.help = help;
}

Metrics::Family& Metrics::FamilyOf(std::string_view name, std::string_view type) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{}).first;
  if (it->second.type.empty()) it->second.type = type;
  return it->second;
}

void Metrics::Inc(std::string_view name, std::string_view labels, uint64_t by) {
  ValueOf(FamilyOf(name, "counter").values, labels) += static_cast<double>(by);
}

void Metrics::Set(std::string_view name, std::string_view labels, double value) {
  ValueOf(FamilyOf(name, "gauge").values, labels) = value;
}

void Metrics::Gauge(std::string_view name, std::string_view labels, std::function<double()> read) {
  FamilyOf(name, "gauge").readers[std::string(labels)] = std::move(read);
}

void Metrics::Counter(std::string_view name, std::string_view labels, std::function<double()> read) {
  FamilyOf(name, "counter").readers[std::string(labels)] = std::move(read);
}

void Metrics::Histogram(std::string_view name, std::string_view labels, const tgate::Histogram* h) {
  FamilyOf(name, "histogram").histograms[std::string(labels)] = h;
}

void Metrics::OnScrape(std::function<Awaitable<void>()> refresh) { refreshes_.push_back(std::move(refresh)); }

Awaitable<void> Metrics::Refresh() {
  // By index: a refresh added meanwhile is run too, and none is dangled.
  for (size_t i = 0; i < refreshes_.size(); ++i) {
    Awaitable<void> refresh = refreshes_[i]();
    co_await std::move(refresh);
  }
}

std::string Metrics::Render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += "# HELP " + name + " " + f.help + "\n";
    // A family described but never given a sample still says what it is.
    out += "# TYPE " + name + " " + (f.type.empty() ? "untyped" : f.type) + "\n";
    for (const auto& [labels, v] : f.values) out += Sample(name, labels, v);
    for (const auto& [labels, read] : f.readers) out += Sample(name, labels, read());
    for (const auto& [labels, h] : f.histograms) h->Render(name, labels, out);
  }
  return out;
}

}  // namespace tgate
