// A node: one actor system running the components a placement puts on one node name.
//
//   auto n = cleave::node::start(components, plan, "front");   // spawns, registers names
//   if (!n) ... cleave::describe(n.error());
//   cleave::client c{(*n)->system()};
//   ...
//   (*n)->stop();                                              // also done by the destructor
//
// Apps do not use this directly: cleave::app (runtime/node/app.hpp) runs a node from the command
// line; the test kit (runtime/testkit) runs one in-process.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "runtime/component/component.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/placement/placement.hpp"

namespace cleave::middleware {
class breaker;
}  // namespace cleave::middleware

namespace cleave::detail {
class nats_subscriber;
}  // namespace cleave::detail

namespace cleave::registry {
struct instance;
struct settings;
class registration;
class membership_watch;
}  // namespace cleave::registry

namespace cleave {

class node {
 public:
  /// Starts the components `plan` puts on `node_name`. `components` are all of the app's.
  static caf::expected<std::unique_ptr<node>> start(const std::vector<component>& components,
                                                    const placement& plan,
                                                    const std::string& node_name);

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Stops every component and waits for them.
  ~node();

  /// The actor system the node's components run in.
  caf::actor_system& system() { return *system_; }

  /// This node's name.
  const std::string& name() const { return config_->node_name; }

  /// True if a driver is placed on this node.
  bool hosts_drivers() const { return !drivers_.empty(); }

  /// Runs the drivers placed here, in placement order, each within "defaults.run_timeout_ms";
  /// returns the first failure.
  caf::error run_drivers();

  /// Stops every component of the node (idempotent).
  void stop();

 private:
  node() = default;

  /// A component placed on this node and its definition (null if the app has none).
  struct placed_component {
    std::string name;
    const component* def;
  };

  /// The components placed on `node_name`, each with its definition in `components`, found
  /// through an index: a node may host thousands.
  static std::vector<placed_component> placed_on(const std::vector<component>& components,
                                                 const placement& plan,
                                                 const std::string& node_name);

  caf::error start_local_components(std::vector<placed_component> placed, const placement& plan);

  /// Checks the placement's topics against the app's subscriptions and notes how each topic
  /// travels; spawns the event relay if the node has stores or "nats" topics.
  caf::error prepare_events(const std::vector<component>& components,
                            const std::vector<placed_component>& placed, const placement& plan);
  /// Subscribes this node's components to their "nats" topics.
  caf::error subscribe_to_nats(const std::vector<placed_component>& placed, const placement& plan);

  /// Puts a forwarder in front of every component placed on another node.
  void start_forwarders(const placement& plan);
  /// This node's circuit breaker for calls to `spec`'s replica on `target_node` (null if the
  /// placement sets none); its changes are logged and counted in /metrics.
  std::shared_ptr<middleware::breaker> make_breaker(const component_spec& spec,
                                                    const std::string& target_node) const;

  /// A member for `spec`'s replica named `member` on node `home` at `host`:`port`: a forwarder
  /// with its link, breaker and counter.
  detail::replica_member remote_member(const component_spec& spec, const std::string& member,
                                       const std::string& home, const std::string& host,
                                       uint16_t port);

  /// Opens this node's address to peers; the port it listens on.
  caf::expected<uint16_t> listen(const placement& plan);

  /// With a registry: follows the registered instances (waiting for the first read).
  void follow_registry(const placement& plan);
  /// With a registry: registers this instance, listening at `port`.
  void register_instance(const placement& plan, uint16_t port);
  static registry::settings registry_settings(const placement& plan);
  /// Makes the replicas of every discovered component the registered instances that run it
  /// (and this node's own instance, if it runs one).
  void apply_membership(const std::vector<registry::instance>& all);

  struct driver_entry {
    component def;
    component_context context;
  };

  /// The placement's "defaults.run_timeout_ms" (the placement itself is not kept: a node with
  /// many components would hold a second copy of it).
  std::chrono::milliseconds run_timeout_{0};
  std::unique_ptr<detail::runtime_config> config_;
  std::unique_ptr<caf::actor_system> system_;
  std::vector<caf::actor> actors_;
  /// The instances of edge components, stopped (and waited for) before the rest.
  std::vector<caf::actor> edges_;
  std::vector<driver_entry> drivers_;
  /// What remote_member needs of the placement.
  placement_defaults defaults_;
  std::chrono::steady_clock::time_point started_;
  /// Components whose replicas come from the registry, and the nodes they are placed on.
  std::map<std::string, component_spec> discovered_;
  /// This instance's name in the registry.
  std::string instance_name_;
  std::unique_ptr<registry::registration> registration_;
  std::unique_ptr<registry::membership_watch> membership_;
  /// The event relay (runtime/events/detail/event_relay.hpp; null if the node needs none), and
  /// the index it knows each component's store by.
  caf::actor event_relay_;
  std::map<std::string, int> store_index_;
  /// The subscriptions of this node's components to "nats" topics.
  std::vector<std::unique_ptr<detail::nats_subscriber>> nats_subscribers_;
  /// Guards discovered_ replicas and registry_actors_ against stop().
  std::mutex membership_mutex_;
  /// Forwarders made for registered instances, by component and member name.
  std::map<std::pair<std::string, std::string>, caf::actor> registry_actors_;
  /// Set once stop() begins: components ending after that are not failures.
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace cleave
