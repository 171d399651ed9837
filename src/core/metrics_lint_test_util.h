// LintExposition: checks a /metrics text against Prometheus' rules, for
// tests: every family's HELP and TYPE given once, before its samples; every
// sample belongs to a family with both; a *_total family is TYPE counter; a
// histogram's buckets are cumulative and end with le="+Inf" equal to its
// _count. Returns what is wrong, one line each (empty: nothing).
// Header-only, so the integration tests can use it on the real binary's
// answer too. Not a parser of every exposition detail (escapes in label
// values, timestamps).
#pragma once

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace tgate::testing {

inline std::vector<std::string> LintExposition(std::string_view text) {
  std::vector<std::string> problems;
  std::map<std::string, std::string> type;  // family -> TYPE
  std::set<std::string> help;
  // Histogram series (name + labels without le) -> last cumulative count.
  std::map<std::string, double> last_bucket;
  std::map<std::string, double> inf_bucket;
  std::istringstream in{std::string(text)};
  std::string line;
  auto family_of = [&](const std::string& sample) {
    if (type.count(sample)) return sample;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (sample.size() > suffix.size() &&
          sample.compare(sample.size() - suffix.size(), suffix.size(), suffix) == 0) {
        std::string base = sample.substr(0, sample.size() - suffix.size());
        auto it = type.find(base);
        if (it != type.end() && it->second == "histogram") return base;
      }
    }
    return sample;
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const bool is_help = line[2] == 'H';
      std::string rest = line.substr(7);
      std::string name = rest.substr(0, rest.find(' '));
      if (is_help) {
        if (!help.insert(name).second) problems.push_back("HELP given twice for " + name);
      } else {
        std::string t = rest.substr(rest.find(' ') + 1);
        if (!type.emplace(name, t).second) problems.push_back("TYPE given twice for " + name);
        if (!help.count(name)) problems.push_back(name + " has no HELP (before its TYPE)");
        if (name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0 && t != "counter")
          problems.push_back(name + " ends in _total but is TYPE " + t);
      }
      continue;
    }
    if (line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    const std::string sample = line.substr(0, name_end);
    const std::string family = family_of(sample);
    if (!type.count(family)) {
      problems.push_back("sample without a TYPE before it: " + line);
      continue;
    }
    if (!help.count(family)) problems.push_back("sample without a HELP: " + line);
    if (type[family] != "histogram" || sample != family + "_bucket") {
      if (type[family] == "histogram" && sample == family + "_count") {
        std::string series = line.substr(family.size() + 6, line.rfind(' ') - family.size() - 6);
        double v = std::stod(line.substr(line.rfind(' ') + 1));
        if (!inf_bucket.count(series) || inf_bucket[series] != v)
          problems.push_back("histogram _count differs from its +Inf bucket: " + line);
      }
      continue;
    }
    // A bucket: name_bucket{labels,le="x"} n
    const size_t le = line.find("le=\"");
    if (le == std::string::npos) {
      problems.push_back("bucket without le: " + line);
      continue;
    }
    std::string series = line.substr(family.size() + 8, le - family.size() - 8);
    if (!series.empty() && series.back() == ',') series.pop_back();
    series = series.empty() ? "" : "{" + series + "}";
    const std::string bound = line.substr(le + 4, line.find('"', le + 4) - le - 4);
    const double v = std::stod(line.substr(line.rfind(' ') + 1));
    auto it = last_bucket.find(series);
    if (it != last_bucket.end() && v < it->second) problems.push_back("buckets not cumulative: " + line);
    last_bucket[series] = v;
    if (bound == "+Inf") {
      inf_bucket[series] = v;
      last_bucket.erase(series);
    }
  }
  return problems;
}

}  // namespace tgate::testing
