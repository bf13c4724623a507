// B6 and B7, run by the runner itself: HTTP servers as child processes, loaded with wrk or
// started under the peers' coldstart, each cleave figure beside its peer's in the same run.
#pragma once

#include <string>
#include <vector>

#include "bench/runner/results.hpp"

namespace cleave_bench {

struct environment {
  std::string bin_dir;     // the bench build's bin/
  std::string source_dir;  // the project (configs/)
  std::string peers_dir;   // built peer programs; "" = run without them
  bool quick = false;
  int repetitions = 5;
  std::vector<std::string> errors;  // what failed, for the report and the exit code
};

/// B6: wrk -t2 -c64 on POST /add of the counter (monolith, request log on) and of the go-kit
/// counter, plus GET /json of the bare Poco and Go net/http servers; runs interleaved.
void run_http_throughput(environment& env, results& r);

/// B7: exec to first 200 and idle RSS of a counter node and of the go-kit counter.
void run_cold_start(environment& env, results& r);

}  // namespace cleave_bench
