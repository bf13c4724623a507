// The targets of issues 5 and 11 as data: each compares two medians of a run (or bounds one, or
// only reports it), so that the runner can print and record whether it is met.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include "bench/runner/results.hpp"

namespace cleave_bench {

struct target {
  /// report_ratio and report_value are printed and recorded, never judged.
  enum class kind { ratio_at_most, ratio_at_least, value_at_most, report_ratio, report_value };
  std::string id;    // "B3"
  std::string what;  // what the figure means, for the table
  result_key measured;
  result_key reference;  // unused for value_at_most and report_value
  kind how = kind::ratio_at_most;
  double bound = 0;
};

const std::vector<target>& all_targets();

struct verdict {
  const target* t = nullptr;
  /// The ratio of medians, or the median itself (value_at_most, report_value).
  std::optional<double> figure;
  /// Unset: a figure is missing, or it is only reported.
  std::optional<bool> met;
};

std::vector<verdict> judge(const results& r);

/// "<= 1.15x", ">= 2x", "<= 1 %"...
std::string bound_text(const target& t);

/// True if the figure of `t` is a value (a median), not a ratio of two.
bool is_value(const target& t);

boost::json::array verdicts_json(const std::vector<verdict>& verdicts);

}  // namespace cleave_bench
