// One run's cluster (placements.hpp): nodes r1 and r2 as child processes, the caller node in this
// process (cleave::test_node), r3 never started. Whatever happens, no child outlives it: the
// destructor stops the caller node, then cleave_test::process SIGKILLs and reaps any child still
// running; child_guard does the same if this program is interrupted.
//
//   cluster c{bin_dir, sets};
//   run_cleave_load(c.caller().system(), names::round_robin, spec);
//   c.node("r2").signal(SIGKILL);
//   auto problems = c.stop();   // "" if every node still running exited 0 on SIGTERM
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/remote/child_guard.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"

namespace bench_replicas {

class cluster {
 public:
  /// Writes the placement (at free ports) in a temporary directory, starts r1 and r2 from
  /// `bin_dir` and the caller node here; every `--set` in `sets` goes to all three. Throws
  /// std::runtime_error if a node does not start.
  cluster(const std::string& bin_dir, const std::vector<std::string>& sets);
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  /// The caller node (valid until stop()).
  cleave::test_node& caller() { return *caller_; }

  /// Child node "r1" or "r2".
  cleave_test::process& node(const std::string& name);

  /// Calls to `component` that node `name`'s handlers have served so far (its status probe, asked
  /// through the caller node). Throws std::runtime_error if the node does not answer in 2 s.
  uint64_t served(const std::string& name, const std::string& component);

  /// Throws std::runtime_error (with its output) if node `name` is no longer running.
  void check_running(const std::string& name);

  /// Stops the caller node, then each child still running in turn (SIGTERM, at most 10 s each);
  /// "" if all of those exited 0, else what went wrong.
  std::string stop();

 private:
  cleave_test::temp_dir dir_;
  std::map<std::string, uint16_t> ports_;
  struct child {
    // The guard goes after the process it guards (members are destroyed in reverse).
    std::unique_ptr<bench_remote::child_guard> guard;
    std::unique_ptr<cleave_test::process> process;
  };
  std::map<std::string, child> children_;
  std::unique_ptr<cleave::test_node> caller_;
};

}  // namespace bench_replicas
