// Google Benchmark reporter: the usual console table (on the stream it is given, stderr here), and
// every user counter of every run as one result line on stdout (bench/common/report.hpp).
//
// A benchmark named "B1/cleave/..." with counter "seq_latency_us" = 12.5 prints
//   {"bench":"B1","metric":"seq_latency_us","variant":"cleave","value":12.5}
#pragma once

#include <iostream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/common/report.hpp"

namespace inproc {

class json_reporter : public benchmark::ConsoleReporter {
 public:
  json_reporter() : benchmark::ConsoleReporter(OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    benchmark::ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      const auto& name = run.run_name.function_name;
      if (run.error_occurred) {
        std::cerr << name << ": failed: " << run.error_message << "\n";
        failed_ = true;
        continue;
      }
      auto slash = name.find('/');
      auto next = name.find('/', slash + 1);
      auto bench = name.substr(0, slash);
      auto variant = slash == std::string::npos ? "" : name.substr(slash + 1, next - slash - 1);
      for (const auto& [metric, counter] : run.counters)
        cleave_bench::report(bench, metric, variant, counter.value);
    }
  }

  /// True if a benchmark reported an error.
  bool failed() const { return failed_; }

 private:
  bool failed_ = false;
};

}  // namespace inproc
