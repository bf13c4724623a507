// The figures of one bench run: every value measured, grouped by (bench, metric, variant), with
// their median, min and max over the repetitions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <boost/json/object.hpp>

namespace cleave_bench {

struct result_key {
  std::string bench;
  std::string metric;
  std::string variant;
  bool operator<(const result_key& o) const {
    return std::tie(bench, metric, variant) < std::tie(o.bench, o.metric, o.variant);
  }
};

struct summary {
  double median = 0;
  double min = 0;
  double max = 0;
  size_t count = 0;
};

class results {
 public:
  void add(const result_key& key, double value) { values_[key].push_back(value); }

  /// Reads the result lines of a benchmark program's stdout (bench/common/report.hpp); returns
  /// how many it found. Lines that are not results are ignored.
  size_t add_lines(const std::string& output);

  std::optional<summary> get(const result_key& key) const;

  const std::map<result_key, std::vector<double>>& all() const { return values_; }

 private:
  std::map<result_key, std::vector<double>> values_;
};

summary summarize(std::vector<double> values);

}  // namespace cleave_bench
