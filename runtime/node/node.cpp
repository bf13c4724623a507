#include "runtime/node/node.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "runtime/component/client.hpp"
#include "runtime/component/detail/event_relay_messages.hpp"
#include "runtime/component/detail/forwarder.hpp"
#include "runtime/component/detail/guarded_actor.hpp"
#include "runtime/component/detail/replicas.hpp"
#include "runtime/core/detail/suggest.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/events/detail/event_relay.hpp"
#include "runtime/events/detail/nats_library.hpp"
#include "runtime/events/detail/nats_subscriber.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/middleware/circuit_breaker.hpp"
#include "runtime/node/detail/gatekeeper.hpp"
#include "runtime/node/protocol.hpp"
#include "runtime/node/status.hpp"
#include "runtime/registry/registry.hpp"
#include "runtime/state/state.hpp"
#include "runtime/transport/transport.hpp"

namespace cleave {

namespace {

constexpr auto start_deadline = std::chrono::seconds(10);

/// Times `cleave up` restarted this node: CLEAVE_RESTARTS, a count it sets (0 if absent or not
/// a count).
/// `path` with every "{node}" replaced by `node` (a replica's own store file).
std::string replace_node(std::string path, const std::string& node) {
  const std::string mark = "{node}";
  for (auto at = path.find(mark); at != std::string::npos; at = path.find(mark, at + node.size()))
    path.replace(at, mark.size(), node);
  return path;
}

/// Longest wait for edge components to drain on stop (their own drain timeouts are shorter).
constexpr auto edge_stop_deadline = std::chrono::seconds(20);

std::string render_cleave_error(uint8_t code, caf::atom_value, const caf::message& context) {
  return describe(caf::error{code, error_category, context});
}

/// The scheduler of a node, from the placement's defaults. Measured on a 2-core machine
/// (docs/performance.md): CAF's defaults (4 threads whatever the cores; idle threads sleep 50 us
/// between polls, 100-350 us on a VM) cost ~250 us per remote round trip. One thread per core,
/// yielding instead of sleeping while recently busy, halves that and still ends in CAF's 10 ms
/// sleeps when idle. With Poco's thread-per-connection gateway, "sharing" served ~20 % more HTTP
/// requests on edge nodes; the async gateway (one I/O thread) serves ~30 % more with
/// work-stealing, so "auto" is work-stealing everywhere.
void configure_scheduler(caf::actor_system_config& cfg, const placement_defaults& defaults) {
  auto threads = defaults.scheduler_threads > 0 ? static_cast<size_t>(defaults.scheduler_threads)
                                                : std::max(1u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", threads);
  if (defaults.scheduler == "sharing") {
    cfg.set("scheduler.policy", caf::atom("sharing"));
    return;
  }
  cfg.set("scheduler.policy", caf::atom("stealing"));
  cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
}

/// The counter of calls this node sends to `component`'s replica on `target_node`.
metrics::counter replica_calls(const std::string& component, const std::string& target_node) {
  return metrics::default_registry().counter(
      "cleave_replica_calls_total",
      "Calls (and retries) this node sent to each replica of a replicated component.",
      {{"component", component}, {"node", target_node}});
}

/// cleave_replicas{component}: how many replicas of `component` this node spreads calls over.
void count_replicas(const std::string& component, const detail::replica_set& set) {
  metrics::default_registry()
      .gauge("cleave_replicas", "Replicas of a component this node spreads its calls over.",
             {{"component", component}})
      .set(static_cast<int64_t>(set.members().size()));
}

}  // namespace

caf::expected<std::unique_ptr<node>> node::start(const std::vector<component>& components,
                                                 const placement& plan,
                                                 const std::string& node_name) {
  if (plan.nodes.count(node_name) == 0) {
    std::string known;
    for (const auto& kv : plan.nodes) known += (known.empty() ? "\"" : ", \"") + kv.first + "\"";
    return make_error(errc::invalid_placement,
                      plan.file + ": no node named \"" + node_name + "\" (nodes: " + known + ")");
  }
  std::unique_ptr<node> self{new node};
  self->run_timeout_ = plan.defaults.run_timeout;
  self->defaults_ = plan.defaults;
  self->started_ = std::chrono::steady_clock::now();
  self->config_ = std::make_unique<detail::runtime_config>();
  auto& cfg = *self->config_;
  cfg.node_name = node_name;
  cfg.default_timeout = plan.defaults.timeout;
  cfg.serialize_local = plan.defaults.serialize_local;
  cfg.log_calls = plan.defaults.log_calls;
  // Every node knows every subscription of the app, wherever its subscribers run.
  for (const auto& c : components)
    for (const auto& sub : c.subscriptions()) {
      auto& names = cfg.subscribers[sub.topic];
      if (std::find(names.begin(), names.end(), c.name()) == names.end()) names.push_back(c.name());
    }
  cfg.add_error_category(error_category, render_cleave_error);
  auto placed = placed_on(components, plan, node_name);
  configure_scheduler(cfg, plan.defaults);
  bool networked = plan.nodes.size() > 1;
  transport::network_settings network;
  if (networked) {
    transport::configure(cfg, plan.defaults);
    auto settings = transport::settings_for(plan, node_name);
    if (!settings) return std::move(settings.error());
    network = std::move(*settings);
  }
  // Every node knows every message type of the app, wherever the component runs.
  detail::type_registry types{cfg};
  types.add<protocol::lookup_component>();
  types.add<protocol::get_node_status>();
  types.add<request_context>();
  for (const auto& c : components) c.register_types(types);
  if (types.error()) return types.error();
  self->system_ = std::make_unique<caf::actor_system>(cfg);
  if (networked)
    if (auto err = transport::start(*self->system_, network)) return err;
  if (plan.registry.enabled()) {
    const auto& me = plan.nodes.at(node_name);
    self->instance_name_ = registry::instance_name(me.name, me.host, me.port);
  }
  // Forwarders first: an edge component takes requests as soon as it starts, and every name
  // must resolve by then.
  if (networked) self->start_forwarders(plan);
  // With a registry, the replicas it lists are known before anything here calls them.
  if (plan.registry.enabled()) self->follow_registry(plan);
  if (auto err = self->prepare_events(components, placed, plan)) return err;
  if (auto err = self->start_local_components(placed, plan)) return err;
  if (auto err = self->subscribe_to_nats(placed, plan)) return err;
  if (networked) {
    auto port = self->listen(plan);
    if (!port) return std::move(port.error());
    if (plan.registry.enabled()) self->register_instance(plan, *port);
  }
  return self;
}

std::vector<node::placed_component> node::placed_on(const std::vector<component>& components,
                                                    const placement& plan,
                                                    const std::string& node_name) {
  std::unordered_map<std::string_view, const component*> by_name;
  for (const auto& c : components) by_name.emplace(c.name(), &c);
  std::vector<placed_component> out;
  for (auto& name : plan.components_on(node_name)) {
    auto i = by_name.find(name);
    out.push_back({std::move(name), i != by_name.end() ? i->second : nullptr});
  }
  return out;
}

caf::error node::prepare_events(const std::vector<component>& components,
                                const std::vector<placed_component>& placed,
                                const placement& plan) {
  auto& cfg = *config_;
  for (const auto& c : components)
    for (const auto& sub : c.subscriptions()) {
      auto [known, added] = cfg.event_decoders.emplace(sub.topic, sub.decode);
      if (!added && known->second != sub.decode)
        return make_error(errc::internal, c.name() + " subscribes to \"" + sub.topic + "\" with " +
                                              sub.event +
                                              ", but another subscriber of the topic takes "
                                              "another event type: a topic carries one type");
    }
  std::vector<std::string> subscribed;
  for (const auto& [topic, names] : cfg.subscribers) subscribed.push_back(topic);
  for (const auto& [name, topic] : plan.topics) {
    if (cfg.subscribers.count(name) == 0)
      return make_error(errc::invalid_placement,
                        plan.file + ": topics." + name +
                            ": no component of the app subscribes to it (its topics: " +
                            (subscribed.empty() ? "none" : detail::quoted_list(subscribed)) + ")" +
                            detail::suggestion(name, subscribed));
    if (topic.nats()) cfg.nats_topics.insert(name);
  }
  detail::event_relay_settings relay{
      config_->node_name, plan.app, plan.topics, {}, plan.defaults.timeout};
  for (const auto& p : placed)
    if (const auto& file = plan.components.at(p.name).state; !file.empty()) {
      store_index_[p.name] = static_cast<int>(relay.stores.size());
      relay.stores.push_back(plan.path_beside(replace_node(file, config_->node_name)));
    }
  // A node that publishes or subscribes through NATS needs the client module: say so at start.
  if (!cfg.nats_topics.empty())
    if (auto lib = detail::load_nats_library(); !lib)
      return make_error(errc::unavailable, plan.file + ": topics." + *cfg.nats_topics.begin() +
                                               ": " + what(lib.error()));
  if (relay.stores.empty() && cfg.nats_topics.empty()) return caf::none;
  event_relay_ = detail::spawn_event_relay(*system_, std::move(relay));
  cfg.event_relay = event_relay_.address();
  return caf::none;
}

caf::error node::subscribe_to_nats(const std::vector<placed_component>& placed,
                                   const placement& plan) {
  for (const auto& p : placed) {
    if (p.def == nullptr || p.def->is_driver()) continue;
    for (const auto& sub : p.def->subscriptions()) {
      auto topic = plan.topics.find(sub.topic);
      if (topic == plan.topics.end() || !topic->second.nats()) continue;
      auto started = detail::nats_subscriber::start(*system_, config_->node_name, plan.app,
                                                    topic->second, p.name, sub.decode,
                                                    config_->components->resolve(p.name).local);
      if (!started)
        return make_error(errc::unavailable,
                          p.name + " failed to start: it subscribes to \"" + sub.topic +
                              "\", whose events are in NATS: " + what(started.error()) +
                              " (placement: topics." + sub.topic + ".url)");
      nats_subscribers_.push_back(std::move(*started));
    }
  }
  return caf::none;
}

caf::error node::start_local_components(std::vector<placed_component> placed,
                                        const placement& plan) {
  auto& sys = *system_;
  auto& dir = *config_->components;
  const auto& node_name = config_->node_name;
  auto fallback = detail::spawn_unknown_component_responder(sys);
  dir.set_fallback(fallback);
  actors_.push_back(fallback);
  struct starting_component {
    std::string name;
    std::future<caf::error> started;
    caf::actor handle;
    std::shared_ptr<detail::component_stats> stats;
  };
  std::vector<starting_component> starting;
  // Handed to the relay once every component is in the directory: what a previous run left in an
  // outbox goes to subscribers, which must be there to get it.
  std::vector<detail::relay_store> opened_stores;
  size_t waited = 0;
  // Waits for the instances started since the last wait; the first failure is the node's.
  auto wait_started = [&]() -> caf::error {
    for (; waited < starting.size(); ++waited) {
      auto& s = starting[waited];
      if (s.started.wait_for(start_deadline) != std::future_status::ready)
        return make_error(errc::internal, s.name + " did not finish starting within " +
                                              std::to_string(start_deadline.count()) + " s");
      if (auto err = s.started.get()) return err;
    }
    return caf::none;
  };
  // Edges last, once everything else has started: they open ports to the outside (a gateway's,
  // the admin port) and take requests at once, so a node starts all or nothing and everything
  // they call is there first.
  auto first_edge = std::stable_partition(
      placed.begin(), placed.end(),
      [](const placed_component& p) { return p.def == nullptr || !p.def->is_edge(); });
  for (auto i = placed.begin(); i != placed.end(); ++i) {
    if (i == first_edge)
      if (auto err = wait_started()) return err;
    const auto& [name, def] = *i;
    if (def == nullptr)
      return make_error(errc::invalid_placement,
                        plan.file + ": components." + name + ": the app has no such component");
    component_context ctx{name, node_name, plan.components.at(name).config};
    if (const auto& file = plan.components.at(name).state; !file.empty()) {
      auto store = open_state(plan.path_beside(replace_node(file, node_name)));
      if (!store)
        return make_error(errc::internal, name + " failed to start: " + what(store.error()) +
                                              " (placement: components." + name + ".state)");
      std::shared_ptr<state> opened = std::move(*store);
      if (event_relay_) {
        auto index = store_index_.at(name);
        opened->set_outbox_listener([relay = event_relay_.address(), index] {
          if (auto to = caf::actor_cast<caf::actor>(relay))
            caf::anon_send(to, detail::relay_wake{index, false});
        });
        opened_stores.push_back(detail::relay_store{index, opened});
      }
      ctx.set_state(std::move(opened));
    }
    if (const auto& spec = plan.components.at(name);
        spec.replicated() && !spec.route_by.empty() && !spec.discovered) {
      auto me = static_cast<uint32_t>(std::find(spec.nodes.begin(), spec.nodes.end(), node_name) -
                                      spec.nodes.begin());
      ctx.set_key_owner([ring = std::make_shared<const detail::key_ring>(spec.nodes),
                         me](const std::string& key) { return ring->owner(key) == me; });
    }
    if (def->is_driver()) {
      drivers_.push_back(driver_entry{*def, std::move(ctx)});
      continue;
    }
    detail::directory_entry entry;
    entry.stats = std::make_shared<detail::component_stats>();
    entry.stats->node = node_name;
    entry.stats->component = name;
    entry.stats->log_calls = plan.defaults.log_calls;
    entry.stats->edge = def->is_edge();
    auto instance = def->spawn(sys, ctx, entry.stats);
    actors_.push_back(instance.handle);
    if (def->is_edge()) edges_.push_back(instance.handle);
    starting.push_back({name, std::move(instance.started), instance.handle, entry.stats});
    entry.local = instance.handle;
    entry.handle = instance.handle;
    if (plan.defaults.serialize_local) {
      // Calls from this node take the wire encoding too; peers still get the instance itself.
      detail::forwarder_target target;
      target.component = name;
      target.node = node_name;
      target.local = instance.handle;
      target.default_timeout = plan.defaults.timeout;
      entry.handle = detail::spawn_forwarder(sys, std::move(target));
      entry.forwarder = true;
      actors_.push_back(entry.handle);
    }
    // A replica here joins the replicas elsewhere that start_forwarders registered (and the
    // registry's updates, which must not slip in between).
    std::lock_guard<std::mutex> membership{membership_mutex_};
    if (auto others = dir.resolve(name).replicas) {
      detail::replica_member m;
      // Every caller must name it alike: keyed routing places members by name.
      m.node = plan.registry.enabled() ? instance_name_ : node_name;
      m.handle = entry.handle;
      m.forwarder = entry.forwarder;
      m.local = entry.local;
      m.sent = replica_calls(name, m.node);
      entry.replicas = others->with(std::move(m));
      count_replicas(name, *entry.replicas);
    }
    dir.add(name, std::move(entry));
  }
  if (auto err = wait_started()) return err;
  // An event nobody handles would be logged as unhandled at every publish: refuse it now.
  for (const auto& s : starting)
    for (const auto& p : placed)
      if (p.def != nullptr && p.name == s.name)
        for (const auto& sub : p.def->subscriptions()) {
          const auto& handled = s.stats->handled;
          if (std::none_of(handled.begin(), handled.end(),
                           [&](const auto& h) { return h.first == sub.type; }))
            return make_error(errc::internal, s.name + " failed to start: it subscribes to \"" +
                                                  sub.topic + "\" with " + sub.event +
                                                  ", which none of its handlers takes");
        }
  // Started: an instance that ends from now on, while the node runs, leaves the node not ready
  // and says why (one whose init failed has failed the start instead).
  for (auto& s : starting)
    s.handle->attach_functor([stats = s.stats, stopping = stopping_](const caf::error& reason) {
      if (stopping->load()) return;
      stats->running = false;
      log("error", stats->node, "component ended",
          {{"component", stats->component}, {"reason", describe(reason)}});
    });
  for (auto& store : opened_stores) caf::anon_send(event_relay_, std::move(store));
  return caf::none;
}

std::shared_ptr<middleware::breaker> node::make_breaker(const component_spec& spec,
                                                        const std::string& target_node) const {
  if (!spec.breaker) return nullptr;
  middleware::circuit_breaker_config cfg;
  cfg.failure_threshold = spec.breaker->failures;
  cfg.cool_down = spec.breaker->cool_down;
  cfg.failure_rate = spec.breaker->failure_rate;
  cfg.window = spec.breaker->window;
  cfg.min_requests = spec.breaker->min_calls;
  auto b = middleware::breaker::make(cfg);
  if (!b) return nullptr;  // the placement parser checked the settings
  auto transitions = [component = spec.name, target_node](const char* to) {
    return metrics::default_registry().counter(
        "cleave_breaker_transitions_total",
        "Changes of state of this node's circuit breakers, per component and target node.",
        {{"component", component}, {"node", target_node}, {"to", to}});
  };
  // 0 closed, 1 half-open, 2 open.
  auto state = metrics::default_registry().gauge(
      "cleave_breaker_state",
      "State of this node's circuit breaker per component and target node: 0 closed, 1 "
      "half-open, 2 open.",
      {{"component", spec.name}, {"node", target_node}});
  state.set(0);
  (*b)->on_change([me = config_->node_name, component = spec.name, target_node, transitions, state](
                      middleware::breaker::state from, middleware::breaker::state to) {
    transitions(middleware::to_string(to)).inc();
    state.set(to == middleware::breaker::state::closed      ? 0
              : to == middleware::breaker::state::half_open ? 1
                                                            : 2);
    log(to == middleware::breaker::state::open ? "warning" : "info", me, "circuit breaker",
        {{"component", component},
         {"replica", target_node},
         {"from", middleware::to_string(from)},
         {"to", middleware::to_string(to)}});
  });
  return std::move(*b);
}

detail::replica_member node::remote_member(const component_spec& spec, const std::string& member,
                                           const std::string& home, const std::string& host,
                                           uint16_t port) {
  auto link = std::make_shared<detail::remote_link>();
  detail::forwarder_target target{spec.name,
                                  home,
                                  host,
                                  port,
                                  nullptr,
                                  defaults_.timeout,
                                  link,
                                  started_ + defaults_.startup_grace,
                                  spec.replicated()};
  detail::replica_member m;
  m.node = member;
  m.link = std::move(link);
  m.breaker = make_breaker(spec, member);
  m.sent = replica_calls(spec.name, member);
  m.handle = detail::spawn_forwarder(*system_, std::move(target));
  m.forwarder = true;
  return m;
}

void node::start_forwarders(const placement& plan) {
  auto& dir = *config_->components;
  const auto& me = config_->node_name;
  for (const auto& [name, spec] : plan.components) {
    if (spec.nodes.empty()) continue;
    bool here = std::find(spec.nodes.begin(), spec.nodes.end(), me) != spec.nodes.end();
    // A component here and on no other node is called here, registry or not.
    if (here && spec.nodes.size() < 2) continue;
    // One forwarder per replica elsewhere; a replica here joins them when it starts. With a
    // registry these are the placement's addresses until the registry answers.
    std::vector<detail::replica_member> members;
    for (const auto& node_name : spec.nodes) {
      if (node_name == me) continue;
      const auto& home = plan.nodes.at(node_name);
      auto member =
          spec.discovered ? registry::instance_name(home.name, home.host, home.port) : node_name;
      members.push_back(remote_member(spec, member, home.name, home.host, home.port));
      actors_.push_back(members.back().handle);
    }
    if (spec.discovered) discovered_.emplace(name, spec);
    detail::directory_entry entry;
    // A breaker is kept per replica: a component with one on a single other node is a set of one.
    if (spec.replicated() || spec.breaker) {
      entry.replicas = std::make_shared<const detail::replica_set>(
          detail::balance_policy_of(spec.balance), members, spec.route_by, !spec.state.empty());
      count_replicas(name, *entry.replicas);
    }
    if (!here) {
      // What probes see of a component placed elsewhere: its first replica's forwarder.
      entry.handle = members.front().handle;
      entry.link = members.front().link;
      entry.forwarder = true;
    }
    dir.add(name, std::move(entry));
  }
}

caf::expected<uint16_t> node::listen(const placement& plan) {
  const auto& me = plan.nodes.at(config_->node_name);
  auto gatekeeper = detail::spawn_gatekeeper(
      *system_, config_->components,
      detail::gatekeeper_info{plan.app, me.name, std::chrono::steady_clock::now(),
                              restarts_from_environment()});
  actors_.push_back(gatekeeper);
  auto port = transport::listen(*system_, gatekeeper, me.host, me.port);
  if (!port)
    return make_error(errc::unavailable,
                      what(port.error()) + " (placement: nodes." + me.name + ".host and .port)");
  boost::json::array hosted;
  for (const auto& name : plan.components_on(me.name)) hosted.emplace_back(name);
  log("info", me.name, "listening",
      {{"address", me.host + ":" + std::to_string(*port)}, {"components", std::move(hosted)}});
  return *port;
}

registry::settings node::registry_settings(const placement& plan) {
  registry::settings out;
  out.endpoint = {plan.registry.etcd_host, plan.registry.etcd_port};
  out.instances_prefix = plan.registry.prefix + plan.app + "/instances/";
  out.lease_ttl = std::chrono::seconds(plan.registry.lease_ttl_s);
  return out;
}

void node::follow_registry(const placement& plan) {
  if (discovered_.empty()) return;  // this node calls no component elsewhere
  auto settings = registry_settings(plan);
  membership_ = std::make_unique<registry::membership_watch>(
      settings, config_->node_name,
      [this](const std::vector<registry::instance>& all) { apply_membership(all); });
  // Bounded by the etcd client's own timeout; unreachable, the placement's addresses serve.
  membership_->wait_first_read(settings.timeout + std::chrono::milliseconds(500));
}

void node::register_instance(const placement& plan, uint16_t port) {
  const auto& me = plan.nodes.at(config_->node_name);
  registry::instance self;
  self.name = instance_name_;
  self.node = me.name;
  self.host = me.host;
  self.port = port;
  self.components = plan.components_on(me.name);
  registration_ = std::make_unique<registry::registration>(registry_settings(plan), self, me.name);
}

void node::apply_membership(const std::vector<registry::instance>& all) {
  std::lock_guard<std::mutex> guard{membership_mutex_};
  if (stopping_->load()) return;
  auto& dir = *config_->components;
  for (const auto& [name, spec] : discovered_) {
    std::vector<const registry::instance*> wanted;
    for (const auto& x : all)
      if (x.name != instance_name_ && x.runs(name) &&
          std::find(spec.nodes.begin(), spec.nodes.end(), x.node) != spec.nodes.end())
        wanted.push_back(&x);
    auto entry = dir.resolve(name);
    if (!entry.replicas) continue;
    // No instance registered at all: keep the replicas known, which fail fast while down.
    if (wanted.empty() && !entry.local) continue;
    std::vector<detail::replica_member> members;
    std::vector<std::string> names;
    bool changed = false;
    for (const auto& m : entry.replicas->members()) {
      bool keep = m.local || std::any_of(wanted.begin(), wanted.end(),
                                         [&](const auto* x) { return x->name == m.node; });
      if (keep) {
        members.push_back(m);
        names.push_back(m.node);
        continue;
      }
      changed = true;
      caf::anon_send(m.handle, detail::stop_actor{});
      registry_actors_.erase({name, m.node});
    }
    for (const auto* x : wanted) {
      if (std::find(names.begin(), names.end(), x->name) != names.end()) continue;
      changed = true;
      members.push_back(remote_member(spec, x->name, x->node, x->host, x->port));
      registry_actors_[{name, x->name}] = members.back().handle;
      names.push_back(x->name);
    }
    if (!changed) continue;
    entry.replicas = std::make_shared<const detail::replica_set>(
        detail::balance_policy_of(spec.balance), members, spec.route_by, !spec.state.empty());
    count_replicas(name, *entry.replicas);
    if (!entry.local) {
      entry.handle = members.front().handle;
      entry.link = members.front().link;
    }
    boost::json::array listed;
    for (const auto& n : names) listed.emplace_back(n);
    log("info", config_->node_name, "replicas changed",
        {{"component", name}, {"replicas", std::move(listed)}});
    dir.add(name, std::move(entry));
  }
}

caf::error node::run_drivers() {
  for (auto& d : drivers_) {
    // The scenario runs on its own thread so that the wait for it has a deadline.
    auto task = std::make_shared<std::packaged_task<caf::error()>>([this, &d] {
      client c{*system_};
      try {
        return d.def.run(c, d.context);
      } catch (const std::exception& e) {
        return make_error(errc::internal, d.def.name() + " threw: " + e.what());
      }
    });
    auto result = task->get_future();
    std::thread{[task] {
      (*task)();
    }}.detach();
    if (result.wait_for(run_timeout_) != std::future_status::ready) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(run_timeout_);
      return make_error(errc::deadline_exceeded, d.def.name() + ": scenario still running after " +
                                                     std::to_string(ms.count()) +
                                                     " ms (defaults.run_timeout_ms)");
    }
    if (auto err = result.get()) return err;
  }
  return caf::none;
}

void node::stop() {
  // Unregistered first: callers elsewhere stop sending here before anything stops.
  registration_.reset();
  membership_.reset();
  {
    std::lock_guard<std::mutex> guard{membership_mutex_};
    stopping_->store(true);
    for (auto& [key, forwarder] : registry_actors_) actors_.push_back(forwarder);
    registry_actors_.clear();
  }
  // Edges first, and wait for them: a request they accepted still needs the components behind
  // them (and their directory entries) until it is answered.
  if (!edges_.empty()) {
    caf::scoped_actor self{*system_};
    for (auto& edge : edges_) {
      self->monitor(edge);
      caf::anon_send(edge, detail::stop_actor{});
    }
    auto deadline = std::chrono::steady_clock::now() + edge_stop_deadline;
    for (size_t down = 0; down < edges_.size();) {
      bool timed_out = false;
      self->receive(
          [&](const caf::down_msg&) { ++down; },
          caf::after(deadline - std::chrono::steady_clock::now()) >> [&] { timed_out = true; });
      if (timed_out) break;
    }
    edges_.clear();
    log("info", config_->node_name, "edges stopped");
  }
  // Subscriptions next: an event taken from NATS needs its component to answer before its ack.
  nats_subscribers_.clear();
  if (config_) config_->components->clear();
  if (event_relay_) {
    caf::anon_send_exit(event_relay_, caf::exit_reason::user_shutdown);
    event_relay_ = nullptr;
  }
  for (auto& a : actors_) caf::anon_send(a, detail::stop_actor{});
  actors_.clear();
  if (system_) transport::stop(*system_);
}

node::~node() {
  stop();
  system_.reset();  // waits for the actors to finish
}

}  // namespace cleave
