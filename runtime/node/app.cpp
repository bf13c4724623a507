#include "runtime/node/app.hpp"

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "runtime/core/error.hpp"
#include "runtime/gateway/admin.hpp"
#include "runtime/node/cli.hpp"
#include "runtime/node/node.hpp"

namespace cleave {

namespace {

// Edge components drain first (their drain timeouts are a few seconds); the rest stop in ms.
constexpr auto shutdown_deadline = std::chrono::seconds(30);

/// Blocks SIGINT and SIGTERM in this thread and every thread started after, so that only
/// `wait_for_stop_signal` sees them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int wait_for_stop_signal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

/// Destroys `n` (which waits for its actors) within shutdown_deadline, else ends the process.
/// The node is destroyed on this thread: CAF 0.17's actor system did not finish its shutdown
/// when destroyed from a std::async thread (observed: hangs for ever).
void shutdown(std::unique_ptr<node> n, const std::string& app, int exit_code) {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog{[&] {
    std::unique_lock<std::mutex> guard{mutex};
    if (!cv.wait_for(guard, shutdown_deadline, [&] { return done; })) {
      std::cerr << app << ": node did not stop within " << shutdown_deadline.count()
                << " s; exiting anyway" << std::endl;
      std::_Exit(exit_code == 0 ? 1 : exit_code);
    }
  }};
  n.reset();
  {
    std::lock_guard<std::mutex> guard{mutex};
    done = true;
  }
  cv.notify_one();
  watchdog.join();
}

}  // namespace

int app::main(int argc, const char* const* argv) const {
  auto args = parse_node_args(argc, argv);
  if (!args) {
    std::cerr << name_ << ": " << what(args.error()) << "\n" << node_usage(name_);
    return 2;
  }
  if (args->help) {
    std::cout << node_usage(name_);
    return 0;
  }
  if (args->list_components) {
    for (const auto& c : components_) std::cout << c.name() << "\n";
    return 0;
  }
  placement_options opts;
  opts.overrides = args->overrides;
  opts.app = name_;
  std::set<std::string> names;
  for (const auto& c : components_) {
    if (!names.insert(c.name()).second) {
      std::cerr << name_ << ": two components are named \"" << c.name() << "\"\n";
      return 2;
    }
    opts.known_components.push_back(c.name());
  }
  auto plan = load_placement(args->placement_file, opts);
  if (!plan) {
    std::cerr << name_ << ": " << what(plan.error()) << std::endl;
    return 2;
  }
  if (args->check) {
    std::cout << plan_text(*plan);
    return 0;
  }
  auto node_name = args->node.empty() ? plan->only_node() : args->node;
  if (node_name.empty()) {
    std::cerr << name_ << ": " << plan->file
              << " has several nodes: say which one to run with --node NAME" << std::endl;
    return 2;
  }
  bool hosts_driver = false;
  for (const auto& c : components_)
    if (c.is_driver() && plan->components.count(c.name()) > 0) {
      const auto& where = plan->components.at(c.name()).nodes;
      hosts_driver =
          hosts_driver || std::find(where.begin(), where.end(), node_name) != where.end();
    }
  auto components = components_;
  if (auto err = add_admin_port(*plan, node_name, components)) {
    std::cerr << name_ << ": " << what(err) << std::endl;
    return 2;
  }
  // A serving node waits for SIGINT/SIGTERM; the mask must be set before CAF starts its threads.
  sigset_t stop_signals{};
  if (!hosts_driver) stop_signals = block_stop_signals();
  auto n = node::start(components, *plan, node_name);
  if (!n) {
    // Placement errors read the same whether the file or the node start found them.
    bool placement_error = is(n.error(), errc::invalid_placement);
    std::cerr << name_ << ": " << (placement_error ? what(n.error()) : describe(n.error()))
              << std::endl;
    return placement_error ? 2 : 1;
  }
  int exit_code = 0;
  if (hosts_driver) {
    if (auto err = (*n)->run_drivers()) {
      std::cerr << name_ << ": " << describe(err) << std::endl;
      exit_code = 1;
    }
  } else {
    wait_for_stop_signal(stop_signals);
  }
  shutdown(std::move(*n), name_, exit_code);
  return exit_code;
}

}  // namespace cleave
