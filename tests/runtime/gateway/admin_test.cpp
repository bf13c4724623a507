// add_admin_port: what a node's "admin" address adds to the node it names, and only to it.
#include "runtime/gateway/admin.hpp"

#include <gtest/gtest.h>

#include "runtime/core/error.hpp"

namespace {

cleave::placement two_nodes(const std::string& admin_of_front) {
  cleave::placement_options opts;
  opts.overrides = {"nodes.front.admin=" + admin_of_front};
  auto p = cleave::parse_placement(R"({"app": "a",
    "nodes": {"front": {"port": 7100}, "back": {"port": 7101}},
    "components": {"caller": {"node": "front"}, "callee": {"node": "back"}}})",
                                   "test.json", opts);
  EXPECT_TRUE(p) << cleave::describe(p.error());
  return *p;
}

caf::behavior idle(caf::event_based_actor*, const cleave::component_context&) {
  return {[](int x) {
    return x;
  }};
}

std::vector<cleave::component> app_components() {
  auto caller = cleave::component::make<>("caller", idle);
  caller.calls({"callee"});
  return {caller, cleave::component::make<>("callee", idle)};
}

TEST(admin_port, adds_a_component_placed_on_the_named_node_listening_at_its_address) {
  auto plan = two_nodes("127.0.0.1:9100");
  auto components = app_components();
  ASSERT_FALSE(cleave::add_admin_port(plan, "front", components));
  ASSERT_EQ(components.size(), 3u);
  const auto& admin = components.back();
  EXPECT_EQ(admin.name(), cleave::admin_component_name);
  EXPECT_TRUE(admin.is_edge()) << "stops first, like a gateway";
  // What /readyz requires: what the node's components declare they call.
  EXPECT_EQ(admin.called(), std::vector<std::string>{"callee"});
  const auto& spec = plan.components.at(cleave::admin_component_name);
  EXPECT_EQ(spec.nodes, std::vector<std::string>{"front"});
  EXPECT_EQ(spec.config.at("listen"), "127.0.0.1:9100");
  EXPECT_EQ(plan.components_on("back"), std::vector<std::string>{"callee"});
}

TEST(admin_port, takes_the_callers_routes_only_for_a_node_with_an_admin_address) {
  auto plan = two_nodes("127.0.0.1:9100");
  auto components = app_components();
  int asked = 0;
  auto more = [&](cleave::routes& r) {
    ++asked;
    r.add_raw("GET", "/dashboard", [](cleave::http_request&) { return cleave::http_response{}; });
  };
  ASSERT_FALSE(cleave::add_admin_port(plan, "back", components, more));
  EXPECT_EQ(asked, 0);
  ASSERT_FALSE(cleave::add_admin_port(plan, "front", components, more));
  EXPECT_EQ(asked, 1);
}

TEST(admin_port, a_node_without_an_admin_address_gets_nothing) {
  auto plan = two_nodes("127.0.0.1:9100");
  auto components = app_components();
  ASSERT_FALSE(cleave::add_admin_port(plan, "back", components));
  EXPECT_EQ(components.size(), 2u);
  EXPECT_EQ(plan.components.count(cleave::admin_component_name), 0u);
}

TEST(admin_port, an_app_component_with_the_admin_name_is_a_placement_error) {
  auto plan = two_nodes("127.0.0.1:9100");
  auto components = app_components();
  components.push_back(cleave::component::make<>(cleave::admin_component_name, idle));
  auto err = cleave::add_admin_port(plan, "front", components);
  ASSERT_TRUE(err);
  EXPECT_TRUE(cleave::is(err, cleave::errc::invalid_placement));
  EXPECT_EQ(cleave::what(err),
            "test.json: nodes.front.admin: the app has a component named \"cleave-admin\", the "
            "name the admin port needs");
}

}  // namespace
