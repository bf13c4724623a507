// What a component is given when its node starts it: its name, its node, its placement config.
#pragma once

#include <string>
#include <utility>

#include <boost/json/object.hpp>
#include <caf/expected.hpp>

#include "runtime/core/json.hpp"

namespace cleave {

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

 private:
  std::string name_;
  std::string node_;
  boost::json::object config_;
};

}  // namespace cleave
