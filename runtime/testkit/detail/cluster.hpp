// Several nodes of one placement on this machine, for integration tests: every node at a port
// picked when the test runs, some run as child processes, one may run inside the test itself.
//
//   cleave_test::cluster c{bin_dir + "/banano", placement_file, {"front", "store"}};
//   auto& store = c.start("store");
//   ASSERT_TRUE(c.wait_listening("store", 20s)) << store.report();
//   auto& front = c.start("front");
//   ASSERT_EQ(front.wait(20s), 0) << front.report();
//
// Every node reads the same file and gets the same `--set nodes.<node>.port=<port>` arguments (plus
// any given), so that each knows where the others listen; `plan()` applies the same arguments for a
// node run in-process (cleave::test_node). The processes are killed when the cluster is destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "runtime/node/protocol.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/testkit/detail/process.hpp"

namespace cleave_test {

/// What a node writes to stderr once it accepts peers.
constexpr std::string_view listening_line = R"("msg":"listening")";

class cluster {
 public:
  using clock = std::chrono::steady_clock;

  /// Nodes `nodes` of the placement in `placement_file`, each at its own free port on 127.0.0.1;
  /// nodes run as `program --placement placement_file --node <node> <overrides()>`. `sets` are
  /// further "path=value" overrides for every node.
  cluster(std::string program, std::string placement_file, std::vector<std::string> nodes,
          std::vector<std::string> sets = {});

  /// Kills the processes still running.
  ~cluster() = default;

  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  /// The port picked for `node`.
  uint16_t port(const std::string& node) const { return ports_.at(node); }

  /// "127.0.0.1:<port>" of `node`.
  std::string address(const std::string& node) const;

  /// The "path=value" overrides every node gets (ports first).
  const std::vector<std::string>& overrides() const { return overrides_; }

  /// The placement as the nodes read it, for a node run in-process; throws std::runtime_error if
  /// it is refused. `opts.overrides` are replaced by overrides().
  cleave::placement plan(cleave::placement_options opts = {}) const;

  /// Starts `node` as a child process and returns it at once; a process started for `node` before
  /// is killed first (a restart).
  process& start(const std::string& node);

  /// Waits until `node`'s process says it accepts peers (false: it exited or the deadline passed).
  bool wait_listening(const std::string& node, clock::duration timeout);

  /// The process last started for `node`.
  process& at(const std::string& node) { return *processes_.at(node); }

  /// report() of every process started, for assertion messages, after reading what they wrote
  /// so far (for at most a few milliseconds).
  std::string report();

 private:
  std::string program_;
  std::string placement_file_;
  std::map<std::string, uint16_t> ports_;
  std::vector<std::string> overrides_;
  std::map<std::string, std::unique_ptr<process>> processes_;
};

/// Asks the node at 127.0.0.1:`port` for its status through `sys` (a cleave node's actor system,
/// which knows the protocol's types), waiting at most `timeout`.
caf::expected<cleave::protocol::node_status> node_status(caf::actor_system& sys, uint16_t port,
                                                         std::chrono::milliseconds timeout);

/// Calls `component` has served on the node at `host`:`port` so far (its status, asked through
/// `sys`), or -1 if the status cannot be read within `timeout` or lists no such component.
int64_t calls_served(caf::actor_system& sys, const std::string& host, uint16_t port,
                     const std::string& component, std::chrono::milliseconds timeout);

/// Polls the node at 127.0.0.1:`port` until its `component` has served at least `calls` calls
/// (true), or `deadline` passes (false).
bool wait_for_calls(caf::actor_system& sys, uint16_t port, const std::string& component,
                    uint64_t calls, std::chrono::steady_clock::time_point deadline);

}  // namespace cleave_test
