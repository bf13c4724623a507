#include "runtime/node/app.hpp"

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"
#include "runtime/gateway/admin.hpp"
#include "runtime/gateway/errors.hpp"
#include "runtime/node/cli.hpp"
#include "runtime/node/dashboard.hpp"
#include "runtime/node/node.hpp"
#include "runtime/node/status.hpp"

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

/// The node's dashboard on its admin port: GET / and /dashboard (the page), /dashboard.json (what
/// the page polls: this node's status with rates, runtime/node/dashboard.hpp). Read-only.
void add_node_dashboard(routes& r, const std::string& app_name, const std::string& node_name) {
  struct dashboard_state {
    explicit dashboard_state(node_identity who) : id(std::move(who)), view(id.app, "node") {}
    std::mutex mtx;
    caf::actor_system* system = nullptr;
    node_identity id;
    dashboard_view view;
  };
  auto state = std::make_shared<dashboard_state>(node_identity{
      app_name, node_name, std::chrono::steady_clock::now(), restarts_from_environment()});
  // A factory, not a plain route: the status needs the admin gateway's actor system.
  r.middleware_factory([state](const gateway_settings& s) {
    std::lock_guard<std::mutex> guard{state->mtx};
    state->system = s.system;
    return std::vector<http_middleware>{};
  });
  auto page = [](http_request&) {
    http_response out;
    out.content_type = "text/html; charset=utf-8";
    out.headers = dashboard_headers();
    out.body = dashboard_page("/dashboard.json");
    return out;
  };
  r.add_raw("GET", "/", page);
  r.add_raw("GET", "/dashboard", page);
  r.add_raw("GET", "/dashboard.json", [state](http_request& req) {
    std::lock_guard<std::mutex> guard{state->mtx};
    const auto* rt = state->system != nullptr ? detail::runtime_of(*state->system) : nullptr;
    if (rt == nullptr) return error_reply(503, "the node has not started", req.request_id);
    node_probe probe;
    probe.name = state->id.node;
    probe.status = node_status_of(*rt->components, state->id);
    state->view.update({std::move(probe)});
    auto out = json_reply(200, boost::json::serialize(state->view.json()));
    out.headers = {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
    return out;
  });
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
  auto dashboard = [&](routes& r) {
    add_node_dashboard(r, plan->app, node_name);
  };
  if (auto err = add_admin_port(*plan, node_name, components, dashboard)) {
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
