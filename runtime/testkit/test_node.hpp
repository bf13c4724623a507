// Test kit: start components in-process and make typed calls to them, in a few lines.
//
//   cleave::test_node n{{thingey::store_component(), thingey::repo_component()}};
//   auto created = n.call("thingey-repo", thingey::create_thingey{{"d1", "first"}});
//   ASSERT_TRUE(created) << cleave::describe(created.error());
//
// Like a web handler tested with a fake request and a recorder: no files, no ports, no processes.
// Every listed component runs on one node named "test"; calls have the deadline in `options`, and
// are encoded as if they crossed nodes unless `options.serialize` is false.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "runtime/component/client.hpp"
#include "runtime/component/component.hpp"
#include "runtime/node/node.hpp"

namespace cleave {

struct test_options {
  /// Default call deadline (the placement's "defaults.timeout_ms").
  std::chrono::milliseconds timeout{2000};
  /// Per-component "config" objects, by component name.
  std::map<std::string, boost::json::object> configs;
  /// Per-component store files (the placement's "state"), by component name: a path in the
  /// test's own temporary folder. Starting a second test_node on the same file finds what the
  /// first one committed, as a restarted node does.
  std::map<std::string, std::string> states;
  /// Deadline of driver scenarios.
  std::chrono::milliseconds run_timeout{60000};
  /// Encode every call and reply as if it crossed nodes (the placement's
  /// "defaults.serialize_local"), so that a test catches what would be lost on the wire: a member
  /// left out of CLEAVE_MESSAGE, say. Turn off to measure in-process calls as they are.
  bool serialize = true;
  /// Log every call served for a request, and every call that got no answer (the placement's
  /// "defaults.log_calls"), as JSON lines on stderr.
  bool log_calls = false;
};

class test_node {
 public:
  /// Starts `components` in-process; throws std::runtime_error if they cannot start.
  explicit test_node(std::vector<component> components, test_options options = {});

  /// Runs node `node_name` of `plan` in-process, e.g. as the caller in a cluster whose other nodes
  /// run as processes; throws std::runtime_error if it cannot start.
  test_node(const std::vector<component>& components, const placement& plan,
            const std::string& node_name);

  /// Calls component `name` and waits for the reply (or the deadline).
  template <class Req>
  caf::expected<response_t<Req>> call(std::string name, Req req,
                                      std::optional<caf::timespan> timeout = std::nullopt) {
    return client_.call(std::move(name), std::move(req), timeout);
  }

  /// Runs the drivers among the components.
  caf::error run_drivers() { return node_->run_drivers(); }

  caf::actor_system& system() { return node_->system(); }

 private:
  std::unique_ptr<node> node_;
  client client_;
};

}  // namespace cleave
