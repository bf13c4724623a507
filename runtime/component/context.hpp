// What a component is given when its node starts it: its name, its node, its placement config.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/json/object.hpp>
#include <caf/expected.hpp>

#include "runtime/core/json.hpp"

namespace cleave {

class state;

/// The start-up context of one component instance.
class component_context {
 public:
  component_context(std::string name, std::string node, boost::json::object config)
      : name_(std::move(name)), node_(std::move(node)), config_(std::move(config)) {}

  /// The component's name, e.g. "thingey-store".
  const std::string& name() const { return name_; }

  /// The name of the node running this instance.
  const std::string& node() const { return node_; }

  /// The component's "config" object from the placement file ({} if absent).
  const boost::json::object& config() const { return config_; }

  /// Decodes the config into a CLEAVE_MESSAGE struct; unknown or mistyped keys are errors.
  template <class T>
  caf::expected<T> config_as() const {
    return from_json<T>(boost::json::value(config_));
  }

  /// The instance's durable store (runtime/state/state.hpp), opened by the node from the
  /// placement's "state". Keep the pointer in the handlers that use it (`[st]`, `[=]`): this
  /// context is gone once init returns. Throws std::runtime_error, which fails the node's start,
  /// if the placement gives the component no store.
  std::shared_ptr<cleave::state> state() const {
    if (!state_)
      throw std::runtime_error(
          "it keeps state, but the placement gives it no store: add \"state\": "
          "\"data/" +
          name_ + ".db\" to components." + name_);
    return state_;
  }

  /// True if the placement gives the component a store.
  bool has_state() const { return state_ != nullptr; }

  /// True if calls keyed by `key` reach this instance: always, unless the placement replicates
  /// the component with "route_by" over a list of nodes, in which case only the instance owning
  /// the key on the ring gets them (replicas found in a registry: always true, not known here).
  /// A replica that makes up the keys of new records (an id) picks ones it owns, so that later
  /// calls for them find it: `do id = "p" + std::to_string(n++); while (!ctx.owns_key(id));`.
  bool owns_key(const std::string& key) const { return !owns_key_ || owns_key_(key); }

  /// Set by the node before the component starts.
  void set_state(std::shared_ptr<cleave::state> s) { state_ = std::move(s); }
  /// Set by the node for a keyed replica.
  void set_key_owner(std::function<bool(const std::string&)> owns) { owns_key_ = std::move(owns); }

 private:
  std::string name_;
  std::string node_;
  boost::json::object config_;
  std::shared_ptr<cleave::state> state_;
  std::function<bool(const std::string&)> owns_key_;
};

}  // namespace cleave
