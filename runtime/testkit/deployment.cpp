#include "runtime/testkit/deployment.hpp"

#include <set>
#include <sstream>
#include <stdexcept>

#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"

namespace cleave {

namespace {

constexpr const char* caller_node = "caller";
constexpr auto start_deadline = std::chrono::seconds(10);

/// Where the components of the binary that the test does not name are placed: no process runs
/// this node, so a gateway the test does not use, say, is never started.
constexpr const char* not_run_node = "not-run";

/// The components `app.binary` has that `app.components` does not name (the binary refuses a
/// placement that leaves any of its components out).
std::vector<std::string> left_out_components(const app_under_test& app) {
  cleave_test::process list{{app.binary, "--components"}};
  auto code = list.wait(start_deadline);
  if (!code || *code != 0)
    throw std::runtime_error(app.binary + " --components failed:\n" + list.report());
  std::set<std::string> named;
  for (const auto& c : app.components) named.insert(c.name());
  std::vector<std::string> out;
  std::istringstream lines{list.output()};
  for (std::string name; std::getline(lines, name);)
    if (!name.empty() && named.count(name) == 0) out.push_back(name);
  return out;
}

std::set<std::string> process_nodes(const app_under_test& app) {
  std::set<std::string> out;
  for (const auto& kv : app.nodes) out.insert(kv.second);
  return out;
}

}  // namespace

placement_options placement_options_for(const app_under_test& app) {
  placement_options opts;
  opts.app = app.app;
  for (const auto& c : app.components) opts.known_components.push_back(c.name());
  return opts;
}

std::string name_of(deployment d) {
  switch (d) {
    case deployment::in_process:
      return "in_process";
    case deployment::in_process_serialized:
      return "in_process_serialized";
    case deployment::multi_process:
      return "multi_process";
  }
  return "unknown";
}

void PrintTo(deployment d, std::ostream* os) {
  *os << name_of(d);
}

std::string placement_text(const app_under_test& app, deployment d,
                           const std::vector<std::string>& not_run) {
  boost::json::object doc;
  doc["app"] = app.app;
  auto defaults = app.defaults;
  if (d == deployment::in_process_serialized) defaults["serialize_local"] = true;
  doc["defaults"] = defaults;
  boost::json::object nodes;
  nodes[caller_node] = boost::json::object{{"host", "127.0.0.1"}};
  if (d == deployment::multi_process)
    for (const auto& node : process_nodes(app))
      nodes[node] = boost::json::object{{"host", "127.0.0.1"}};
  // Port 1: nothing listens there, and nothing calls a component that is not run.
  if (!not_run.empty())
    nodes[not_run_node] = boost::json::object{{"host", "127.0.0.1"}, {"port", 1}};
  doc["nodes"] = nodes;
  boost::json::object components;
  for (const auto& c : app.components) {
    boost::json::object spec;
    auto where = app.nodes.find(c.name());
    spec["node"] =
        d == deployment::multi_process && where != app.nodes.end() ? where->second : caller_node;
    if (auto config = app.configs.find(c.name()); config != app.configs.end())
      spec["config"] = config->second;
    components[c.name()] = spec;
  }
  for (const auto& name : not_run) components[name] = boost::json::object{{"node", not_run_node}};
  doc["components"] = components;
  return boost::json::serialize(doc);
}

deployed::deployed(deployment d, const app_under_test& app)
    : dir_(std::make_unique<cleave_test::temp_dir>()) {
  if (d != deployment::multi_process) {
    auto file = dir_->write("placement.json", placement_text(app, d));
    auto plan = load_placement(file, placement_options_for(app));
    if (!plan) throw std::runtime_error(describe(plan.error()));
    caller_ = std::make_unique<test_node>(app.components, *plan, caller_node);
    return;
  }
  auto not_run = left_out_components(app);
  auto file = dir_->write("placement.json", placement_text(app, d, not_run));
  auto nodes = process_nodes(app);
  std::vector<std::string> all{caller_node};
  all.insert(all.end(), nodes.begin(), nodes.end());
  processes_ = std::make_unique<cleave_test::cluster>(app.binary, file, all);
  for (const auto& node : nodes) processes_->start(node);
  for (const auto& node : nodes)
    if (!processes_->wait_listening(node, start_deadline))
      throw std::runtime_error("node " + node + " did not start:\n" + processes_->report());
  auto opts = placement_options_for(app);
  opts.known_components.insert(opts.known_components.end(), not_run.begin(), not_run.end());
  caller_ = std::make_unique<test_node>(app.components, processes_->plan(opts), caller_node);
}

deployed::~deployed() = default;

std::string deployed::report() {
  return processes_ ? processes_->report() : std::string{};
}

}  // namespace cleave
