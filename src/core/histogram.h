// Histogram: a Prometheus histogram of one series — how many observations
// fell at or under each of a fixed set of upper bounds, plus their sum and
// count — rendered as name_bucket{le="..."} (cumulative, ending with
// le="+Inf"), name_sum and name_count. The bounds are fixed at construction,
// so Observe() is a search over a few doubles and an increment: no
// allocation and no formatting on the hot path (the text is made at render
// time, once per scrape).
// Not a summary (no quantiles here: Prometheus computes them from the buckets
// with histogram_quantile) and not a registry (core/metrics.h renders it).
// Not thread-safe: confined to one thread, as Metrics is.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tgate {

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, strictly increasing, finite; +Inf is
  // implied. Bounds that are not increasing are dropped (a programming error
  // made visible in the rendered buckets, never a crash).
  explicit Histogram(std::initializer_list<double> bounds);

  // Counts `value` in the first bucket whose bound is >= value (the +Inf one
  // if none) and adds it to the sum.
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations <= bounds()[i]; for i == bounds().size(), all of them (+Inf).
  uint64_t CumulativeCount(size_t i) const;
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

  // Appends the series' samples in Prometheus text format to `out`: one
  // name_bucket line per bound and +Inf, then name_sum and name_count.
  // `labels` is preformatted (`bot="default"`), possibly empty.
  void Render(std::string_view name, std::string_view labels, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf's
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace tgate
