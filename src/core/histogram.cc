#include "core/histogram.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace tgate {
namespace {

// A number as Prometheus reads it: integers without a fraction, else the
// shortest round-tripping form.
std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the short form when it reads back the same (0.1, not 0.10000000000000001).
  char shorter[64];
  std::snprintf(shorter, sizeof shorter, "%g", v);
  return std::strtod(shorter, nullptr) == v ? shorter : buf;
}

void Line(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels,
          std::string_view extra_label, const std::string& value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra_label.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extra_label.empty()) out += ',';
    out += extra_label;
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

Histogram::Histogram(std::initializer_list<double> bounds) {
  for (double b : bounds) {
    if (bounds_.empty() || b > bounds_.back()) bounds_.push_back(b);
  }
  counts_.assign(bounds_.size() + 1, 0);
}

void Histogram::Observe(double value) {
  // The first bound >= value: `le` is "less than or equal".
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[i];
  ++count_;
  sum_ += value;
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t n = 0;
  for (size_t k = 0; k <= i && k < counts_.size(); ++k) n += counts_[k];
  return n;
}

void Histogram::Render(std::string_view name, std::string_view labels, std::string& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    Line(out, name, "_bucket", labels, "le=\"" + Number(bounds_[i]) + "\"", std::to_string(cumulative));
  }
  Line(out, name, "_bucket", labels, "le=\"+Inf\"", std::to_string(count_));
  Line(out, name, "_sum", labels, {}, Number(sum_));
  Line(out, name, "_count", labels, {}, std::to_string(count_));
}

}  // namespace tgate
