// Test kit: one test, every placement. The same test body runs with the app's components
//   - in_process:            all in the test's own node (calls pass C++ objects);
//   - in_process_serialized: the same, with every call encoded as if it crossed nodes;
//   - multi_process:         the components named in `nodes` in child processes of the app's own
//                            binary, one per node, at ports picked when the test runs; the
//                            binary's components the test does not list are not started.
// The test calls from a node run inside it ("caller"), so no gateway or HTTP is needed.
//
//   cleave::app_under_test notes{"notes", NOTES_BIN, {notes::notes_component()},
//                                {{"notes", "store"}}};           // component -> node
//   class notes_test : public ::testing::TestWithParam<cleave::deployment> {};
//   TEST_P(notes_test, a_note_can_be_read_back) {
//     cleave::deployed d{GetParam(), notes};      // throws (with the nodes' output) if not started
//     auto r = d.caller().call("notes", notes::get_note{"n1"});
//     ASSERT_TRUE(r) << cleave::describe(r.error()) << d.report();
//   }
//   INSTANTIATE_TEST_SUITE_P(all, notes_test, ::testing::ValuesIn(cleave::all_deployments),
//                            cleave::deployment_name{});
//
// Child processes are stopped (SIGKILL) when `deployed` goes, so a failed assertion leaves none
// behind. Every wait has a deadline: a node that does not start within 10 s fails the test.
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

namespace cleave_test {
class cluster;
class temp_dir;
}  // namespace cleave_test

namespace cleave {

enum class deployment { in_process, in_process_serialized, multi_process };

/// All three, for INSTANTIATE_TEST_SUITE_P.
inline constexpr deployment all_deployments[] = {
    deployment::in_process, deployment::in_process_serialized, deployment::multi_process};

/// "in_process", "in_process_serialized" or "multi_process".
std::string name_of(deployment d);

/// Lets GoogleTest print a deployment (GoogleTest looks for this name).
void PrintTo(deployment d, std::ostream* os);  // NOLINT(readability-identifier-naming)

/// Names parameterized tests after their deployment (INSTANTIATE_TEST_SUITE_P's last argument).
struct deployment_name {
  template <class Info>
  std::string operator()(const Info& info) const {
    return name_of(info.param);
  }
};

struct app_under_test {
  /// The app's name (the placement's "app").
  std::string app;
  /// Its binary (an `cleave::app`'s main), run for the multi-process deployment.
  std::string binary;
  /// All of the app's components: the caller node registers their message types.
  std::vector<component> components;
  /// Multi-process deployment: component -> node. Components not named here run on the caller.
  std::map<std::string, std::string> nodes = {};
  /// Per-component "config" objects.
  std::map<std::string, boost::json::object> configs = {};
  /// The placement's "defaults" (serialize_local is added for in_process_serialized).
  boost::json::object defaults{{"timeout_ms", 2000}};
};

/// The placement a deployment runs (ports of child nodes are set when they start). `not_run`:
/// components of the app's binary that `app.components` leaves out (a gateway the test does not
/// use, say); they are placed on node "not-run", which no process runs.
std::string placement_text(const app_under_test& app, deployment d,
                           const std::vector<std::string>& not_run = {});

/// Options that check a placement as `app`'s binary does (its name and components).
placement_options placement_options_for(const app_under_test& app);

class deployed {
 public:
  /// Starts `app` as `d` says; throws std::runtime_error (with every node's output) if a node
  /// cannot start.
  deployed(deployment d, const app_under_test& app);
  ~deployed();

  deployed(const deployed&) = delete;
  deployed& operator=(const deployed&) = delete;

  /// The node run inside the test: call the app's components through it.
  test_node& caller() { return *caller_; }

  /// The child nodes' command lines, statuses and output so far, for assertion messages ("" when
  /// everything runs in the test).
  std::string report();

 private:
  std::unique_ptr<cleave_test::temp_dir> dir_;
  std::unique_ptr<cleave_test::cluster> processes_;
  std::unique_ptr<test_node> caller_;
};

}  // namespace cleave
