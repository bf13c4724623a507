// The targets of issue 5 as data: each compares two medians of a run (or bounds one), so that
// the runner can print and record whether it is met.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include "bench/runner/results.hpp"

namespace cleave_bench {

struct target {
  enum class kind { ratio_at_most, ratio_at_least, value_at_most, report_ratio };
  std::string id;    // "B3"
  std::string what;  // what the figure means, for the table
  result_key measured;
  result_key reference;  // unused for value_at_most
  kind how = kind::ratio_at_most;
  double bound = 0;
};

const std::vector<target>& all_targets();

struct verdict {
  const target* t = nullptr;
  std::optional<double> figure;  // the ratio of medians, or the median for value_at_most
  std::optional<bool> met;       // unset: a figure is missing, or a ratio only reported
};

std::vector<verdict> judge(const results& r);

/// "<= 1.15x", ">= 2x", "<= 1 %"...
std::string bound_text(const target& t);

boost::json::array verdicts_json(const std::vector<verdict>& verdicts);

}  // namespace cleave_bench
