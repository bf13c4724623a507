// Child processes of the benchmarks whose output nobody reads.
#pragma once

#include <string>
#include <vector>

namespace cleave_bench {

/// `argv` with its stdout and stderr sent to /dev/null: a server logging every request must not
/// block on a pipe nobody reads while it is loaded.
inline std::vector<std::string> quiet(std::vector<std::string> argv) {
  std::vector<std::string> out{"/bin/sh", "-c", R"(exec "$0" "$@" >/dev/null 2>&1)"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace cleave_bench
