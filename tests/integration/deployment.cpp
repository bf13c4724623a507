#include "tests/integration/deployment.hpp"

#include <set>
#include <stdexcept>

#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"
#include "runtime/placement/placement.hpp"

namespace cleave_test {

namespace {

constexpr const char* caller_node = "caller";
constexpr auto start_deadline = std::chrono::seconds(10);

std::set<std::string> process_nodes(const app_under_test& app) {
  std::set<std::string> out;
  for (const auto& kv : app.nodes) out.insert(kv.second);
  return out;
}

}  // namespace

cleave::placement_options placement_options_for(const app_under_test& app) {
  cleave::placement_options opts;
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

std::string placement_text(const app_under_test& app, deployment d) {
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
  doc["components"] = components;
  return boost::json::serialize(doc);
}

deployed::deployed(deployment d, const app_under_test& app) {
  auto file = dir_.write("placement.json", placement_text(app, d));
  if (d != deployment::multi_process) {
    auto plan = cleave::load_placement(file, placement_options_for(app));
    if (!plan) throw std::runtime_error(cleave::describe(plan.error()));
    caller_ = std::make_unique<cleave::test_node>(app.components, *plan, caller_node);
    return;
  }
  auto nodes = process_nodes(app);
  std::vector<std::string> all{caller_node};
  all.insert(all.end(), nodes.begin(), nodes.end());
  processes_ = std::make_unique<cluster>(app.binary, file, all);
  for (const auto& node : nodes) processes_->start(node);
  for (const auto& node : nodes)
    if (!processes_->wait_listening(node, start_deadline))
      throw std::runtime_error("node " + node + " did not start:\n" + processes_->report());
  caller_ = std::make_unique<cleave::test_node>(
      app.components, processes_->plan(placement_options_for(app)), caller_node);
}

}  // namespace cleave_test
