// How a node finds a component by name: the table of this node's components and the fallback
// that answers calls to names the placement does not have.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/timespan.hpp>

namespace cleave::detail {

/// Name -> handle. Written while a node starts, read by every call.
class directory {
 public:
  void add(const std::string& name, caf::actor handle);

  /// The handle registered under `name`, else the fallback (which answers unknown_component).
  caf::actor resolve(const std::string& name) const;

  /// True if `name` is registered.
  bool contains(const std::string& name) const;

  void set_fallback(caf::actor handle);

  /// Drops every handle (so that the actor system can shut down).
  void clear();

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, caf::actor> entries_;
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
};

/// The runtime config of `sys`, or null if `sys` was not started by a cleave node.
const runtime_config* runtime_of(const caf::actor_system& sys);

/// The handle to call component `name` through from `sys` (never invalid on a cleave node).
caf::actor resolve(caf::actor_system& sys, const std::string& name);

/// True if component `name` is reachable from `sys`.
bool is_known(const caf::actor_system& sys, const std::string& name);

/// The text of the fallback's unknown_component error (callers replace it with one naming the
/// component).
constexpr const char* unknown_component_text = "no such component";

/// The default call deadline of `sys`.
caf::timespan default_timeout(const caf::actor_system& sys);

/// Spawns the actor that answers every request with errc::unknown_component.
caf::actor spawn_unknown_component_responder(caf::actor_system& sys);

}  // namespace cleave::detail
