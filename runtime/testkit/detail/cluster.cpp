#include "runtime/testkit/detail/cluster.hpp"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <caf/scoped_actor.hpp>

#include "runtime/core/error.hpp"
#include "runtime/node/ask_node.hpp"

namespace cleave_test {

namespace {

// Between two status probes: each probe is a round trip on loopback, so polling without a pause
// would only burn the CPU the nodes need.
constexpr std::chrono::milliseconds probe_interval{2};

// How long report() reads each process's pipes.
constexpr std::chrono::milliseconds report_read_time{5};

}  // namespace

cluster::cluster(std::string program, std::string placement_file, std::vector<std::string> nodes,
                 std::vector<std::string> sets)
    : program_(std::move(program)), placement_file_(std::move(placement_file)) {
  auto ports = free_ports(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    ports_[nodes[i]] = ports[i];
    overrides_.push_back("nodes." + nodes[i] + ".port=" + std::to_string(ports[i]));
  }
  overrides_.insert(overrides_.end(), sets.begin(), sets.end());
}

std::string cluster::address(const std::string& node) const {
  return "127.0.0.1:" + std::to_string(port(node));
}

cleave::placement cluster::plan(cleave::placement_options opts) const {
  opts.overrides = overrides_;
  auto p = cleave::load_placement(placement_file_, opts);
  if (!p) throw std::runtime_error("cluster: " + cleave::describe(p.error()));
  return std::move(*p);
}

process& cluster::start(const std::string& node) {
  if (ports_.count(node) == 0) throw std::invalid_argument("cluster: no node \"" + node + "\"");
  std::vector<std::string> argv{program_, "--placement", placement_file_, "--node", node};
  for (const auto& set : overrides_) {
    argv.push_back("--set");
    argv.push_back(set);
  }
  auto& slot = processes_[node];
  slot.reset();  // a restart: the old process is killed and reaped before the new one starts
  slot = std::make_unique<process>(std::move(argv));
  return *slot;
}

bool cluster::wait_listening(const std::string& node, clock::duration timeout) {
  return at(node).wait_for_error_output(listening_line, timeout);
}

std::string cluster::report() {
  std::string out;
  for (const auto& [node, p] : processes_) {
    // A process's output is only read while the test waits for it: without this, a report taken
    // after a failed poll of another node would miss what this one logged, and its exit.
    p->wait(report_read_time);
    out += "=== node " + node + "\n" + p->report() + "\n";
  }
  return out;
}

caf::expected<cleave::protocol::node_status> node_status(caf::actor_system& sys, uint16_t port,
                                                         std::chrono::milliseconds timeout) {
  return cleave::ask_node(sys, "127.0.0.1", port, cleave::protocol::get_node_status{}, timeout);
}

int64_t calls_served(caf::actor_system& sys, const std::string& host, uint16_t port,
                     const std::string& component, std::chrono::milliseconds timeout) {
  auto status = cleave::ask_node(sys, host, port, cleave::protocol::get_node_status{}, timeout);
  if (!status) return -1;
  for (const auto& c : status->components)
    if (c.name == component) return static_cast<int64_t>(c.calls);
  return -1;
}

bool wait_for_calls(caf::actor_system& sys, uint16_t port, const std::string& component,
                    uint64_t calls, std::chrono::steady_clock::time_point deadline) {
  using std::chrono::steady_clock;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left <= std::chrono::milliseconds{0}) return false;
    if (calls_served(sys, "127.0.0.1", port, component, left) >= static_cast<int64_t>(calls))
      return true;
    std::this_thread::sleep_for(probe_interval);
  }
}

}  // namespace cleave_test
