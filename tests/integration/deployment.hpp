// One test, every placement: an app's components deployed in-process, in-process with every call
// serialized, or one process per node, with a caller node run inside the test in every case.
//
//   cleave_test::app_under_test banano{"banano", bin_dir + "/banano", all_components,
//                                      {{"thingey-store", "store"}, {"thingey-repo", "repo"}}};
//   cleave_test::deployed d{GetParam(), banano};          // fails the test if it cannot start
//   auto r = d.caller().call("thingey-repo", get_thingey{"d1"});
//
// In the multi-process deployment, each node named in `nodes` runs as a child process of `binary`
// (at a port picked at run time); components not named there run on the caller node.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "runtime/component/component.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/integration/cluster.hpp"

namespace cleave_test {

enum class deployment { in_process, in_process_serialized, multi_process };

/// All three, for INSTANTIATE_TEST_SUITE_P.
inline constexpr deployment all_deployments[] = {
    deployment::in_process, deployment::in_process_serialized, deployment::multi_process};

std::string name_of(deployment d);

/// Lets GoogleTest print a deployment.
void PrintTo(deployment d, std::ostream* os);

/// For test names: "in_process", ...
struct deployment_name {
  template <class Info>
  std::string operator()(const Info& info) const {
    return name_of(info.param);
  }
};

struct app_under_test {
  /// The app's name ("app" in the placement).
  std::string app;
  /// Its binary, for the multi-process deployment.
  std::string binary;
  /// All of the app's components (the caller registers their message types).
  std::vector<cleave::component> components;
  /// Multi-process deployment: component -> node. Unnamed components run on the caller node.
  std::map<std::string, std::string> nodes;
  /// Per-component "config" objects.
  std::map<std::string, boost::json::object> configs;
  /// The placement's "defaults" object (serialize_local is added for the serialized deployment).
  boost::json::object defaults{{"timeout_ms", 2000}};
};

/// Options that check a placement as `app`'s binary does (its name and components).
cleave::placement_options placement_options_for(const app_under_test& app);

/// The placement text for `app`: the caller node, and in the multi-process case one node per
/// distinct entry of `app.nodes` (ports are set by the cluster).
std::string placement_text(const app_under_test& app, deployment d);

class deployed {
 public:
  /// Starts `app` as `d` says; throws std::runtime_error (with every node's output) if a node
  /// cannot start.
  deployed(deployment d, const app_under_test& app);

  /// The node run inside the test.
  cleave::test_node& caller() { return *caller_; }

  /// The child processes (multi-process deployment only; null otherwise).
  cluster* processes() { return processes_.get(); }

 private:
  temp_dir dir_;
  std::unique_ptr<cluster> processes_;
  std::unique_ptr<cleave::test_node> caller_;
};

}  // namespace cleave_test
