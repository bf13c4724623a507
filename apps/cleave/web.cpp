#include "apps/cleave/web.hpp"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/json/serialize.hpp>
#include <caf/actor_system.hpp>
#include <caf/sec.hpp>

#include "apps/cleave/status.hpp"
#include "apps/cleave/up_record.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/core/error.hpp"
#include "runtime/gateway/detail/http_server.hpp"
#include "runtime/gateway/errors.hpp"
#include "runtime/middleware/request_id.hpp"
#include "runtime/node/ask_node.hpp"
#include "runtime/node/dashboard.hpp"
#include "runtime/node/protocol.hpp"

namespace cleave::tool {

namespace {

/// The dashboard's state, shared by the poller and the HTTP handlers.
struct shared_view {
  explicit shared_view(const std::string& app) : view(app, "cluster") {}
  std::mutex mtx;
  dashboard_view view;
  std::condition_variable wake;
  bool stopping = false;
};

/// One round: every target asked at once, each within `timeout`.
std::vector<node_probe> probe_all(caf::actor_system& sys, const placement& plan,
                                  std::chrono::milliseconds timeout) {
  std::map<std::string, std::vector<std::string>> replicas;
  int ignored = 0;
  auto targets = targets_of(plan, timeout, replicas, ignored, nullptr);
  auto finished = read_up_record(up_record_file(plan.file));
  std::vector<node_probe> out(targets.size());
  std::vector<std::thread> askers;
  askers.reserve(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    auto& probe = out[i];
    // A registry's instance by its own name (a node may run several), else the node's name.
    constexpr std::string_view instance = "instance ";
    probe.name = t.label.rfind(instance, 0) == 0 ? t.label.substr(instance.size()) : t.node;
    probe.address = t.host + ":" + std::to_string(t.port);
    if (t.port == 0) {
      probe.error = "no port (accepts no peers)";
      continue;
    }
    askers.emplace_back([&sys, &t, &probe, &finished, timeout] {
      auto status = ask_node(sys, t.host, t.port, protocol::get_node_status{}, timeout);
      if (status) {
        probe.status = std::move(*status);
        return;
      }
      auto f = finished.find(t.node);
      if (f != finished.end() && f->second.address == probe.address) {
        probe.finished = true;
        probe.error = "finished at " + f->second.at + " (exit code 0)";
        return;
      }
      // A node that accepts the connection but does not answer (hung, stopped): CAF's bare
      // request_timeout says less than this.
      probe.error = status.error() == caf::sec::request_timeout
                        ? "no answer within " + std::to_string(timeout.count()) + " ms"
                        : describe(status.error());
    });
  }
  for (auto& a : askers) a.join();
  return out;
}

http_response page(http_request&) {
  http_response out;
  out.content_type = "text/html; charset=utf-8";
  out.headers = dashboard_headers();
  out.body = dashboard_page("/api/cluster");
  return out;
}

/// The routes: a read-only table, with 404 and 405 (with Allow) answered by the server.
std::shared_ptr<const detail::dispatch_table> routes_of(std::shared_ptr<shared_view> shared) {
  auto table = std::make_shared<detail::dispatch_table>();
  table->routes.add("GET", "/", 0);
  table->routes.add("GET", "/dashboard", 1);
  table->routes.add("GET", "/api/cluster", 2);
  table->handlers = {
      answer_now(page), answer_now(page), answer_now([shared](http_request&) {
        std::string body;
        {
          std::lock_guard<std::mutex> guard{shared->mtx};
          body = boost::json::serialize(shared->view.json());
        }
        auto out = json_reply(200, std::move(body));
        out.headers = {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
        return out;
      })};
  // Error answers (404, 405) carry a request id, as the gateway's do.
  table->wrap = middleware::request_id();
  return table;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

int serve_dashboard(const placement& plan, const web_options& options) {
  // SIGINT/SIGTERM are taken by sigwait below: blocked before any thread starts.
  sigset_t stop_signals{};
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto network = tool_network::start(plan);
  if (!network) return 2;
  auto& sys = network->system();
  auto shared = std::make_shared<shared_view>(plan.app);
  std::unique_ptr<detail::http_server> server;
  try {
    detail::server_config sc;
    sc.name = "cleave-status-web";
    sc.node = "cleave";
    sc.host = options.host;
    sc.port = options.port;
    // An operator's page: a few browsers at most.
    sc.max_connections = 32;
    // Only GETs: no request needs a body.
    sc.body_limit = 1024;
    sc.header_timeout = std::chrono::seconds(5);
    sc.drain_timeout = std::chrono::seconds(1);
    sc.straggler_timeout = std::chrono::seconds(1);
    server = std::make_unique<detail::http_server>(sc);
  } catch (const std::exception& e) {
    std::cerr << "cleave: --web: " << e.what() << "\n";
    return 2;
  }
  server->start(routes_of(shared));
  auto shown_host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::cout << "cleave status: dashboard of " << plan.app << " at http://" << shown_host << ":"
            << server->port() << "/ (read-only; Ctrl-C stops)" << std::endl;
  if (!loopback(options.host))
    std::cout << "cleave status: warning: listening on " << options.host
              << ", beyond loopback: whoever reaches it sees the cluster's nodes and addresses"
              << std::endl;
  std::thread poller([&sys, &plan, &options, shared] {
    for (;;) {
      auto start = std::chrono::steady_clock::now();
      auto round = probe_all(sys, plan, options.timeout);
      std::unique_lock<std::mutex> lock{shared->mtx};
      if (shared->stopping) return;
      shared->view.update(std::move(round));
      shared->wake.wait_until(lock, start + options.interval, [&] { return shared->stopping; });
      if (shared->stopping) return;
    }
  });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  {
    std::lock_guard<std::mutex> guard{shared->mtx};
    shared->stopping = true;
  }
  shared->wake.notify_all();
  poller.join();
  server->stop();
  return 0;
}

}  // namespace cleave::tool
