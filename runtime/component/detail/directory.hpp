// How a node finds a component by name: the table of the components reachable from this node
// (its own, and forwarders to the ones placed elsewhere) and the fallback that answers calls to
// names the placement does not have.
#pragma once

#include <atomic>
#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/local_actor.hpp>
#include <caf/message.hpp>
#include <caf/message_view.hpp>
#include <caf/result.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/timespan.hpp>

#include "runtime/component/detail/event_decoder.hpp"
#include "runtime/component/detail/replicas.hpp"
#include "runtime/component/detail/routing_key.hpp"
#include "runtime/core/message.hpp"

namespace cleave::detail {

/// Counters and log settings of one component instance on this node.
struct component_stats {
  std::atomic<uint64_t> calls{0};
  /// False once the instance has ended while its node runs (a crash, or an exit from outside):
  /// the node then reports not ready (check_running).
  std::atomic<bool> running{true};
  std::string node;
  std::string component;
  /// "defaults.log_calls": log each call served for a request.
  bool log_calls = false;
  /// An edge (component::edge()): `calls` counts the HTTP requests it answered.
  bool edge = false;
  /// The message types the instance's handlers take, with their names: filled while its init
  /// function runs (cleave::handlers), checked against its component::make list after it.
  std::vector<std::pair<std::type_index, const char*>> handled;
};

/// The handle of a remote component while its forwarder is connected to it, shared by the
/// forwarder (which sets and loses it) and the directory (calls read it to send directly). Calls
/// sent directly register in call_deadlines tagged with this link, to be failed when it is lost.
class remote_link {
 public:
  /// The remote component (null while not connected), and how many times the connection was
  /// lost before (the epoch a direct call registers with).
  struct view {
    caf::actor remote;
    uint64_t epoch = 0;
  };

  remote_link() = default;
  /// Forgets the tag in call_deadlines.
  ~remote_link();
  remote_link(const remote_link&) = delete;
  remote_link& operator=(const remote_link&) = delete;

  view get() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return {remote_, epoch_};
  }

  /// Whether calls can go there, as balancing over replicas sees it.
  enum class state_kind : uint8_t {
    /// Not reached yet (the node may still be starting).
    unknown,
    connected,
    /// Its node refused a connection or the connection was lost, and it is not back yet.
    down,
  };
  state_kind state() const { return state_.load(std::memory_order_relaxed); }

  /// Connected to `remote` (null: the forwarder has ended).
  void set(caf::actor remote) {
    std::lock_guard<std::mutex> guard{mutex_};
    state_ = remote ? state_kind::connected : state_kind::down;
    remote_ = std::move(remote);
  }

  /// An attempt to connect failed: the node is known to be down.
  void mark_down() { state_ = state_kind::down; }

  /// The connection is gone: calls stop going direct, and those in flight fail with `err`.
  void lose(const caf::error& err);

 private:
  mutable std::mutex mutex_;
  caf::actor remote_;
  uint64_t epoch_ = 0;
  std::atomic<state_kind> state_{state_kind::unknown};
};

/// What a name resolves to.
struct directory_entry {
  /// What callers send to: the component itself, or a forwarder in front of it.
  caf::actor handle;
  /// True if `handle` is a forwarder, which takes requests wrapped in `forward_request`.
  bool forwarder = false;
  /// The component instance on this node (null if it runs elsewhere).
  caf::actor local;
  /// Its counters (null if it runs elsewhere).
  std::shared_ptr<component_stats> stats;
  /// For a component on another node: the connection its forwarder keeps (null otherwise).
  std::shared_ptr<remote_link> link;
  /// For a replicated component: its replicas, this node's instance among them if placed here.
  /// Calls go to the member it picks; `handle`, `local` and `stats` are this node's instance.
  std::shared_ptr<const replica_set> replicas;
};

/// What a call to a name is sent to: the part of an entry a call needs (copying less than the
/// whole entry on every call).
struct call_target {
  caf::actor handle;
  /// `handle` is a forwarder (takes `forward_request`).
  bool forwarder = false;
  /// The component runs on another node.
  bool remote = false;
  /// The remote component itself while its forwarder is connected: calls go straight to it,
  /// registered with `link` and `link_epoch` in call_deadlines, to be failed if the connection
  /// drops.
  caf::actor direct;
  const remote_link* link = nullptr;
  uint64_t link_epoch = 0;
  /// For a replica balanced least-outstanding: its count of outstanding calls, which the call
  /// keeps up to date (null otherwise).
  std::shared_ptr<outstanding_calls> outstanding = nullptr;
  /// The replica's circuit breaker, which the call must pass (null: none).
  std::shared_ptr<middleware::breaker> breaker = nullptr;
  /// The component is replicated: a failed call may be made again on another replica.
  bool replicated = false;
  /// The component is keyed ("route_by") and the request has no key: a caller that can combine
  /// the replicas' answers asks them all (replica_targets); else this one, picked by balancing.
  bool keyless = false;
};

/// How a call picks a replica.
struct call_route {
  /// The replicas earlier attempts of the call failed on.
  std::vector<caf::actor> avoid;
  /// The request's key, for components placed with "route_by" (null: none).
  const key_source* key = nullptr;
};

/// Name -> entry. Written while a node starts, read by every call.
class directory {
 public:
  void add(const std::string& name, directory_entry entry);

  /// The entry registered under `name`, else one for the fallback (answers unknown_component).
  directory_entry resolve(const std::string& name) const;

  /// Where a call to `name` goes: as resolve(), without the entry's counters. For a replicated
  /// component, the replica balancing picks, avoiding those in `avoid` while it can.
  call_target target(const std::string& name, const call_route& route = {}) const;

  /// A target for each replica of `name` (empty if it is not replicated).
  std::vector<call_target> replica_targets(const std::string& name) const;

  /// (name, replicas) of every replicated component, sorted by name.
  std::vector<std::pair<std::string, std::shared_ptr<const replica_set>>> replica_sets() const;

  /// True if `name` is registered.
  bool contains(const std::string& name) const;

  /// The instance of `name` running on this node, or null.
  caf::actor local(const std::string& name) const;

  /// (name, stats) of every component running on this node, sorted by name.
  std::vector<std::pair<std::string, std::shared_ptr<component_stats>>> local_stats() const;

  void set_fallback(caf::actor handle);

  /// Drops every handle (so that the actor system can shut down).
  void clear();

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, directory_entry> entries_;
  caf::actor fallback_;
};

/// The actor system config of a cleave node: CAF's, plus what calls need at run time.
class runtime_config : public caf::actor_system_config {
 public:
  /// Name of the node this system runs.
  std::string node_name;
  /// Deadline of calls that set none ("defaults.timeout_ms").
  caf::timespan default_timeout{std::chrono::seconds(2)};
  /// Components reachable from this node.
  std::shared_ptr<directory> components = std::make_shared<directory>();
  /// "defaults.serialize_local": replies to calls are copied through the wire encoding.
  bool serialize_local = false;
  /// "defaults.log_calls": calls are logged (runtime/component/detail/served_call.hpp).
  bool log_calls = false;
  /// Topic -> the components subscribed to it, wherever they run (component::subscribe).
  std::map<std::string, std::vector<std::string>> subscribers;
  /// Topic -> how its events are made back from JSON (from its subscriptions).
  std::map<std::string, event_decoder> event_decoders;
  /// The topics whose events go to NATS (the placement's "topics"); the others go over the
  /// cluster.
  std::set<std::string> nats_topics;
  /// The node's event relay (runtime/events/detail/event_relay.hpp): it publishes to NATS and
  /// relays the stores' outboxes. Null on a node that needs none. Weak: the node holds it, so
  /// that it ends when the node stops.
  caf::actor_addr event_relay;
};

/// Where an event published on `topic` from this node goes first: the relay (NATS topics), or
/// null (cluster topics: straight to the subscribers).
caf::actor event_relay_for(caf::actor_system& sys, const std::string& topic);

/// The components subscribed to `topic` (none if nobody is).
const std::vector<std::string>& subscribers_of(caf::actor_system& sys, const std::string& topic);

/// A request on its way to a forwarder, with the caller's deadline (forwarders cannot see the
/// timeout of the request that carries it). Never leaves its process.
struct forward_request {
  std::chrono::steady_clock::time_point deadline;
  caf::message content;
};

/// Asks a forwarder whether its component is reachable: it connects if it is not connected and
/// answers `true` once it is, or an `unavailable` error naming component and node.
struct probe_reachable {
  using response = bool;
};
CLEAVE_MESSAGE(probe_reachable)

/// None if component `name` can be reached from `sys` now (connecting if needed, at most for
/// `timeout`), else the reason (unavailable, naming component and node; unknown_component).
caf::error check_reachable(caf::actor_system& sys, const std::string& name, caf::timespan timeout);

/// None if every component instance on `sys`'s node runs, else `unavailable` naming one that
/// ended.
caf::error check_running(const caf::actor_system& sys);

/// The runtime config of `sys`, or null if `sys` was not started by a cleave node.
const runtime_config* runtime_of(const caf::actor_system& sys);

/// What to call component `name` through from `sys` (a valid handle on a cleave node).
directory_entry resolve(caf::actor_system& sys, const std::string& name);

/// Where a call from `sys` to component `name` goes (a null handle off cleave nodes); for a
/// replicated component, the replica `route` leads to.
call_target call_target_of(caf::actor_system& sys, const std::string& name,
                           const call_route& route = {});

/// A target for each replica of component `name` (empty if it is not replicated).
std::vector<call_target> replica_targets_of(caf::actor_system& sys, const std::string& name);

/// True if component `name` is reachable from `sys`.
bool is_known(const caf::actor_system& sys, const std::string& name);

/// The text of the fallback's unknown_component error (callers replace it with one naming the
/// component).
constexpr const char* unknown_component_text = "no such component";

/// True if calls on `sys` copy replies through the wire encoding ("defaults.serialize_local").
bool serializes_local(const caf::actor_system& sys);

/// The default call deadline of `sys`.
caf::timespan default_timeout(const caf::actor_system& sys);

/// Spawns the actor that answers every request with errc::unknown_component.
caf::actor spawn_unknown_component_responder(caf::actor_system& sys);

/// Logs an error message component `name` received without asking for it.
void log_stray_error(const std::string& node, const std::string& name, const caf::error& err);

/// What a component does with a message none of its handlers takes (see component.hpp).
caf::result<caf::message> unhandled_message(caf::scheduled_actor* self, const std::string& node,
                                            const std::string& name, caf::message_view& msg);

/// The counters that `cleave::handlers` called on this thread attach to (set while a component's
/// init function runs, so that handlers need no argument for it).
std::shared_ptr<component_stats> current_init_stats();

/// The name of a message type in `stats.handled` that is not among `listed`, or nullptr.
const char* unlisted_message(const component_stats& stats,
                             std::initializer_list<std::type_index> listed);

/// The actor whose init function runs on this thread (null outside one): coroutine handlers
/// (cleave::task) made by `cleave::handlers` there answer through it.
caf::local_actor* current_init_actor();

/// Sets current_init_stats() and current_init_actor() for its lifetime.
class init_stats_scope {
 public:
  init_stats_scope(std::shared_ptr<component_stats> stats, caf::local_actor* actor);
  ~init_stats_scope();
  init_stats_scope(const init_stats_scope&) = delete;
  init_stats_scope& operator=(const init_stats_scope&) = delete;

 private:
  std::shared_ptr<component_stats> previous_;
  caf::local_actor* previous_actor_;
};

/// The actor whose coroutine handler starts on this thread (null if none).
caf::local_actor* current_handler_actor();

/// Sets current_handler_actor() for its lifetime.
class handler_actor_scope {
 public:
  explicit handler_actor_scope(caf::local_actor* actor);
  ~handler_actor_scope();
  handler_actor_scope(const handler_actor_scope&) = delete;
  handler_actor_scope& operator=(const handler_actor_scope&) = delete;

 private:
  caf::local_actor* previous_;
};

}  // namespace cleave::detail

// Stays in its process: never serialized, so CAF needs no inspect for it.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cleave::detail::forward_request)
