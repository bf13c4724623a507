#include "runtime/testkit/test_node.hpp"

#include <stdexcept>

namespace cleave {

namespace {

std::unique_ptr<node> start_or_throw(const std::vector<component>& components,
                                     const placement& plan, const std::string& node_name) {
  auto n = node::start(components, plan, node_name);
  if (!n) throw std::runtime_error("test_node: " + describe(n.error()));
  return std::move(*n);
}

std::unique_ptr<node> start_test_node(const std::vector<component>& components,
                                      const test_options& options) {
  placement plan;
  plan.file = "<test_node>";
  plan.app = "test";
  plan.defaults.timeout = options.timeout;
  plan.defaults.run_timeout = options.run_timeout;
  plan.defaults.serialize_local = options.serialize;
  plan.defaults.log_calls = options.log_calls;
  plan.nodes["test"] = node_spec{"test", "127.0.0.1", 0, ""};
  for (const auto& c : components) {
    component_spec spec;
    spec.name = c.name();
    spec.nodes = {"test"};
    if (auto i = options.configs.find(c.name()); i != options.configs.end())
      spec.config = i->second;
    if (auto i = options.states.find(c.name()); i != options.states.end()) spec.state = i->second;
    plan.components[c.name()] = std::move(spec);
  }
  return start_or_throw(components, plan, "test");
}

}  // namespace

test_node::test_node(std::vector<component> components, test_options options)
    : node_(start_test_node(components, options)), client_(node_->system()) {}

test_node::test_node(const std::vector<component>& components, const placement& plan,
                     const std::string& node_name)
    : node_(start_or_throw(components, plan, node_name)), client_(node_->system()) {}

}  // namespace cleave
