#include "runtime/gateway/admin.hpp"

#include <algorithm>
#include <set>

#include "runtime/core/error.hpp"
#include "runtime/gateway/gateway.hpp"

namespace cleave {

namespace {

// Enough for scrapes and probes.
constexpr int admin_connections = 64;

}  // namespace

caf::error add_admin_port(placement& plan, const std::string& node_name,
                          std::vector<component>& components,
                          const std::function<void(routes&)>& more_routes) {
  auto node = plan.nodes.find(node_name);
  if (node == plan.nodes.end() || node->second.admin.empty()) return caf::none;
  for (const auto& c : components)
    if (c.name() == admin_component_name)
      return make_error(errc::invalid_placement, plan.file + ": nodes." + node_name +
                                                     ".admin: the app has a component named \"" +
                                                     admin_component_name +
                                                     "\", the name the admin port needs");
  auto placed = plan.components_on(node_name);
  std::set<std::string> here(placed.begin(), placed.end());
  std::vector<std::string> called;
  for (const auto& c : components) {
    if (here.count(c.name()) == 0) continue;
    for (const auto& target : c.called())
      if (std::find(called.begin(), called.end(), target) == called.end()) called.push_back(target);
  }
  routes r;
  r.ready_requires(std::move(called));
  if (more_routes) more_routes(r);
  components.push_back(gateway_component(admin_component_name, std::move(r)));
  component_spec spec;
  spec.name = admin_component_name;
  spec.nodes = {node_name};
  // An operator's port, at an address the operator chose: its /readyz names what cannot be
  // reached (a gateway's public /readyz does not, unless configured to).
  spec.config = {{"listen", node->second.admin},
                 {"max_connections", admin_connections},
                 {"readyz_detail", true},
                 {"request_log", {{"enabled", false}}},
                 {"metrics", {{"enabled", false}}}};
  plan.components[spec.name] = std::move(spec);
  return caf::none;
}

}  // namespace cleave
