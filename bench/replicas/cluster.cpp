#include "bench/replicas/cluster.hpp"

#include <signal.h>

#include <stdexcept>

#include "bench/replicas/placements.hpp"
#include "bench/replicas/replica_components.hpp"
#include "runtime/core/error.hpp"
#include "runtime/node/ask_node.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/placement/placement.hpp"

namespace bench_replicas {

namespace {

using namespace std::chrono_literals;

/// Bounds a node's start (it listens within milliseconds; the first one also makes the
/// certificates) and its stop.
constexpr auto start_deadline = 20s;
constexpr auto stop_deadline = 10s;

/// The nodes run as processes; "caller" runs here and "r3" never runs.
const std::vector<std::string> child_nodes{"r1", "r2"};

}  // namespace

cluster::cluster(const std::string& bin_dir, const std::vector<std::string>& sets) {
  auto picked = cleave_test::free_ports(node_names().size());
  for (size_t i = 0; i < picked.size(); ++i) ports_[node_names()[i]] = picked[i];
  auto file = dir_.write("replicas.json", placement_text(ports_));
  bench_remote::remove_on_signal(file, dir_.path());
  cleave::placement_options opts;
  opts.overrides = sets;
  opts.app = app_name;
  opts.known_components = app_component_names();
  auto plan = cleave::load_placement(file, opts);
  if (!plan) throw std::invalid_argument(cleave::describe(plan.error()));
  for (const auto& name : child_nodes) {
    std::vector<std::string> argv{bin_dir + "/cleave_bench_replicas_node", "--placement", file,
                                  "--node", name};
    for (const auto& s : sets) argv.insert(argv.end(), {"--set", s});
    child c;
    c.process = std::make_unique<cleave_test::process>(argv);
    c.guard = std::make_unique<bench_remote::child_guard>(c.process->pid());
    children_[name] = std::move(c);
  }
  auto deadline = cleave_test::process::clock::now() + start_deadline;
  for (const auto& name : child_nodes) {
    auto& p = *children_.at(name).process;
    if (!p.wait_for_error_output(R"("msg":"listening")", deadline))
      throw std::runtime_error("node " + name + " did not start\n" + p.report());
  }
  caller_ = std::make_unique<cleave::test_node>(app_components(), *plan, "caller");
}

cluster::~cluster() {
  // The caller node first, so that the others do not see it vanish mid-call; the processes'
  // destructors then kill whatever is left.
  caller_.reset();
}

cleave_test::process& cluster::node(const std::string& name) {
  return *children_.at(name).process;
}

uint64_t cluster::served(const std::string& name, const std::string& component) {
  auto status = cleave::ask_node(caller_->system(), "127.0.0.1", ports_.at(name),
                                 cleave::protocol::get_node_status{}, 2000ms);
  if (!status)
    throw std::runtime_error("status of node " + name + ": " + cleave::describe(status.error()));
  for (const auto& c : status->components)
    if (c.name == component) return c.calls;
  throw std::runtime_error("node " + name + " does not run " + component);
}

void cluster::check_running(const std::string& name) {
  auto& p = node(name);
  // Waiting a moment also reads what the node printed, so that its pipes never fill.
  if (p.wait(1ms)) throw std::runtime_error("node " + name + " exited\n" + p.report());
}

std::string cluster::stop() {
  caller_.reset();
  // One at a time, r2 first: a node stopping while its peer stops too may wait in its shutdown
  // for a connection to that peer that never completes its handshake (seen once in ~40 stops,
  // over 10 s), which is not what this benchmark measures.
  std::string problems;
  for (auto i = children_.rbegin(); i != children_.rend(); ++i) {
    auto& [name, c] = *i;
    if (!c.process->running()) continue;
    c.process->signal(SIGTERM);
    auto code = c.process->wait(stop_deadline);
    if (!code || *code != 0)
      problems += name +
                  (code ? " exited " + std::to_string(*code) : std::string{" did not exit"}) +
                  " after SIGTERM\n" + c.process->report() + "\n";
  }
  children_.clear();  // kills and reaps any that did not exit
  return problems;
}

}  // namespace bench_replicas
