#include "apps/cleave/status.hpp"
#include "apps/cleave/up_record.hpp"

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/component/detail/type_registry.hpp"
#include "runtime/core/error.hpp"
#include "runtime/node/ask_node.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/registry/registry.hpp"
#include "runtime/transport/certs.hpp"
#include "runtime/transport/transport.hpp"

namespace cleave::tool {

namespace {

/// " (replica 1 of 2, keyed by id)" for component `name`'s instance at `address`, where
/// `replicas` lists the addresses of all its instances; "" if it is not replicated.
std::string replica_note(const placement& plan, const std::string& name, const std::string& address,
                         const std::vector<std::string>& replicas) {
  auto i = plan.components.find(name);
  if (i == plan.components.end() || !i->second.replicated() || replicas.empty()) return {};
  const auto& spec = i->second;
  auto at = std::find(replicas.begin(), replicas.end(), address) - replicas.begin();
  return " (replica " + std::to_string(at + 1) + " of " + std::to_string(replicas.size()) + ", " +
         (spec.route_by.empty() ? spec.balance : "keyed by " + spec.route_by) + ")";
}

/// "  calls to thingey-store: store-a 5 sent (connected, breaker closed), ..." for each component
/// the node has sent calls to (or has a breaker open for).
void print_replicas(const std::vector<protocol::replica_status>& replicas) {
  std::map<std::string, std::vector<const protocol::replica_status*>> by_component;
  for (const auto& r : replicas) by_component[r.component].push_back(&r);
  for (const auto& [component, list] : by_component) {
    bool used = std::any_of(list.begin(), list.end(), [](const auto* r) {
      return r->sent > 0 || (!r->breaker.empty() && r->breaker != "closed");
    });
    if (!used) continue;
    std::cout << "  calls to " << component << ":";
    for (size_t i = 0; i < list.size(); ++i)
      std::cout << (i == 0 ? " " : ", ") << list[i]->replica << " " << list[i]->sent << " sent ("
                << list[i]->state
                << (list[i]->breaker.empty() ? "" : ", breaker " + list[i]->breaker) << ")";
    std::cout << "\n";
  }
}

}  // namespace

std::vector<target> targets_of(const placement& plan, std::chrono::milliseconds timeout,
                               std::map<std::string, std::vector<std::string>>& replicas,
                               int& exit_code, std::ostream* notes) {
  std::vector<target> out;
  if (plan.registry.enabled()) {
    registry::settings s;
    s.endpoint = {plan.registry.etcd_host, plan.registry.etcd_port};
    s.instances_prefix = plan.registry.prefix + plan.app + "/instances/";
    s.timeout = timeout;
    auto listed = registry::read_instances(s);
    if (listed) {
      if (notes != nullptr)
        *notes << "registry " << s.endpoint.text() << ": " << listed->size()
               << (listed->size() == 1 ? " instance" : " instances") << " registered\n";
      for (const auto& x : *listed) {
        auto address = x.host + ":" + std::to_string(x.port);
        out.push_back({"instance " + x.name, x.node, x.host, x.port});
        for (const auto& c : x.components) replicas[c].push_back(address);
      }
      return out;
    }
    if (notes != nullptr)
      *notes << "registry " << s.endpoint.text() << ": unreachable (" << describe(listed.error())
             << "); asking the placement's nodes\n";
    exit_code = 1;
  }
  for (const auto& [name, node] : plan.nodes) {
    auto address = node.host + ":" + std::to_string(node.port);
    out.push_back({"node " + name + " (" + address + ")", name, node.host, node.port});
    for (const auto& c : plan.components_on(name)) replicas[c].push_back(address);
  }
  return out;
}

int print_status(const placement& plan, std::chrono::milliseconds timeout) {
  auto network = tool_network::start(plan);
  if (!network) return 2;
  auto& sys = network->system();
  int exit_code = 0;
  std::map<std::string, std::vector<std::string>> replicas;
  auto finished = read_up_record(up_record_file(plan.file));
  for (const auto& t : targets_of(plan, timeout, replicas, exit_code, &std::cout)) {
    std::cout << t.label << ": ";
    if (t.port == 0) {
      std::cout << "no port (accepts no peers)\n";
      exit_code = 1;
      continue;
    }
    auto address = t.host + ":" + std::to_string(t.port);
    auto status = ask_node(sys, t.host, t.port, protocol::get_node_status{}, timeout);
    auto f = finished.find(t.node);
    if (!status && f != finished.end() && f->second.address == address) {
      std::cout << "finished at " << f->second.at
                << " (exit code 0: its work is done, as a node running a driver ends when the "
                   "driver's scenario does; cleave up does not restart it)\n";
      continue;
    }
    if (!status) {
      std::cout << "unreachable: " << describe(status.error()) << "\n";
      exit_code = 1;
      continue;
    }
    std::cout << "reachable, pid " << status->pid << ", up " << status->uptime_ms << " ms";
    if (status->restarts > 0)
      std::cout << ", restarted " << status->restarts
                << (status->restarts == 1 ? " time" : " times") << " by cleave up";
    std::cout << "\n";
    if (status->node != t.node)
      std::cout << "  warning: it says it is node \"" << status->node << "\"\n";
    for (const auto& c : status->components) {
      std::cout << "  " << c.name << ": " << c.calls
                << (c.edge ? " HTTP requests answered" : " calls served");
      std::cout << replica_note(plan, c.name, address, replicas[c.name]);
      if (!c.running) {
        std::cout << ", NOT RUNNING (it ended; see the node's log)";
        exit_code = 1;
      }
      std::cout << "\n";
    }
    print_replicas(status->replicas);
  }
  return exit_code;
}

std::unique_ptr<tool_network> tool_network::start(const placement& plan) {
  std::unique_ptr<tool_network> out{new tool_network};
  transport::configure(out->cfg_, plan.defaults);
  detail::type_registry types{out->cfg_};
  types.add<protocol::get_node_status>();
  // The tool has a certificate of its own (certs.hpp's tool_identity), which nodes accept.
  auto settings = transport::settings_for(plan, transport::tool_identity);
  if (!settings) {
    std::cerr << "cleave: " << describe(settings.error()) << "\n";
    return nullptr;
  }
  out->sys_ = std::make_unique<caf::actor_system>(out->cfg_);
  if (auto err = transport::start(*out->sys_, *settings)) {
    std::cerr << "cleave: " << describe(err) << "\n";
    return nullptr;
  }
  out->started_ = true;
  return out;
}

tool_network::~tool_network() {
  if (started_) transport::stop(*sys_);
}

}  // namespace cleave::tool
