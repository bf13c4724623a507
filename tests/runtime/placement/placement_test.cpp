// Placement files that are accepted: the values they give, defaults, expansion, overrides, files.
#include "runtime/placement/placement.hpp"

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"

namespace {

using namespace std::chrono_literals;
using cleave::placement;
using cleave::placement_options;
using strings = std::vector<std::string>;

// The example of design.md, "The placement file (contract)".
constexpr std::string_view design_example = R"({
  "app": "banano",
  "defaults": { "timeout_ms": 2000 },
  "nodes": {
    "front": { "host": "127.0.0.1", "port": 7100 },
    "store": { "host": "${STORE_HOST:-127.0.0.1}", "port": 7101 }
  },
  "components": {
    "thingey-repo":  { "node": "front" },
    "thingey-store": { "node": "store", "config": { "capacity": 10000 } }
  }
})";

std::function<std::optional<std::string>(const std::string&)> fake_env(
    std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

placement_options no_env() {
  placement_options opts;
  opts.getenv = fake_env({});
  return opts;
}

placement parse_ok(std::string_view text, placement_options opts = no_env()) {
  auto p = cleave::parse_placement(text, "test.json", opts);
  if (!p) {
    ADD_FAILURE() << cleave::describe(p.error());
    return {};
  }
  return std::move(*p);
}

// A file of its own per test, so tests can run in parallel.
std::string write_file(const std::string& name, std::string_view text) {
  auto path = testing::TempDir() + "placement_test_" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return path;
}

TEST(placement, design_example_parses_with_its_values) {
  auto p = parse_ok(design_example);
  EXPECT_EQ(p.file, "test.json");
  EXPECT_EQ(p.app, "banano");
  EXPECT_EQ(p.defaults.timeout, 2000ms);
  ASSERT_EQ(p.nodes.size(), 2u);
  EXPECT_EQ(p.nodes.at("front").name, "front");
  EXPECT_EQ(p.nodes.at("front").host, "127.0.0.1");
  EXPECT_EQ(p.nodes.at("front").port, 7100);
  EXPECT_EQ(p.nodes.at("store").host, "127.0.0.1");
  EXPECT_EQ(p.nodes.at("store").port, 7101);
  ASSERT_EQ(p.components.size(), 2u);
  const auto& repo = p.components.at("thingey-repo");
  EXPECT_EQ(repo.name, "thingey-repo");
  EXPECT_EQ(repo.nodes, strings{"front"});
  EXPECT_FALSE(repo.replicated());
  EXPECT_EQ(repo.balance, "");
  EXPECT_TRUE(repo.config.empty());
  const auto& store = p.components.at("thingey-store");
  EXPECT_EQ(store.nodes, strings{"store"});
  EXPECT_EQ(boost::json::serialize(store.config), R"({"capacity":10000})");
}

TEST(placement, design_example_takes_store_host_from_the_environment) {
  placement_options opts;
  opts.getenv = fake_env({{"STORE_HOST", "10.1.2.3"}});
  EXPECT_EQ(parse_ok(design_example, opts).nodes.at("store").host, "10.1.2.3");
}

TEST(placement, defaults_apply_when_absent) {
  auto p =
      parse_ok(R"({"app": "a", "nodes": {"main": {}}, "components": {"c": {"node": "main"}}})");
  EXPECT_EQ(p.defaults.timeout, 2000ms);
  EXPECT_FALSE(p.defaults.serialize_local);
  EXPECT_EQ(p.defaults.heartbeat, 500ms);
  EXPECT_EQ(p.defaults.connection_timeout, 3000ms);
  EXPECT_EQ(p.defaults.run_timeout, 300000ms);
  EXPECT_EQ(p.nodes.at("main").host, "127.0.0.1");
  EXPECT_EQ(p.nodes.at("main").port, 0);
  EXPECT_EQ(p.defaults.scheduler, "auto");
  EXPECT_EQ(p.defaults.scheduler_threads, 0);
}

TEST(placement, every_default_can_be_set) {
  auto p = parse_ok(R"({
    "app": "a",
    "defaults": {"timeout_ms": 10, "serialize_local": true, "heartbeat_ms": 20,
                 "connection_timeout_ms": 20, "run_timeout_ms": 40},
    "nodes": {"main": {"host": "localhost", "port": 65535}},
    "components": {"c": {"node": "main"}}})");
  EXPECT_EQ(p.defaults.timeout, 10ms);
  EXPECT_TRUE(p.defaults.serialize_local);
  EXPECT_EQ(p.defaults.heartbeat, 20ms);
  EXPECT_EQ(p.defaults.connection_timeout, 20ms);
  EXPECT_EQ(p.defaults.run_timeout, 40ms);
  EXPECT_EQ(p.nodes.at("main").host, "localhost");
  EXPECT_EQ(p.nodes.at("main").port, 65535);
}

TEST(placement, admin_address_is_kept_and_shown_in_the_plan) {
  auto p = parse_ok(R"({
    "app": "a",
    "nodes": {"main": {"port": 7100, "admin": "127.0.0.1:9100"}, "other": {"port": 7101}},
    "components": {"c": {"node": "main"}}})");
  EXPECT_EQ(p.nodes.at("main").admin, "127.0.0.1:9100");
  EXPECT_EQ(p.nodes.at("other").admin, "");
  auto text = cleave::plan_text(p);
  EXPECT_NE(text.find("node main   127.0.0.1:7100  c  (admin http://127.0.0.1:9100)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("node other  127.0.0.1:7101  (no components)\n"), std::string::npos) << text;
}

TEST(placement, topics_are_shown_in_the_plan) {
  auto p = parse_ok(R"({
    "app": "a",
    "nodes": {"main": {}},
    "components": {"c": {"node": "main"}},
    "topics": {"order-created": {"transport": "nats", "url": "nats://127.0.0.1:4222"},
               "news": {}}})");
  auto text = cleave::plan_text(p);
  EXPECT_NE(text.find("topic news: cluster (at most once)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("topic order-created: NATS JetStream at nats://127.0.0.1:4222, ack wait "
                      "30000 ms (at least once)\n"),
            std::string::npos)
      << text;
}

TEST(placement, accepts_comments_and_trailing_commas) {
  auto p = parse_ok(R"(// banano, one process
{
  "app": "banano", /* the app */
  "nodes": {"main": {},},
  "components": {
    "thingey-repo": {"node": "main",},  // front
    "thingey-store": {"node": "main", "config": {"capacity": 3,},},
  },
})");
  EXPECT_EQ(p.components.size(), 2u);
  EXPECT_EQ(p.components.at("thingey-store").config.at("capacity").as_int64(), 3);
}

TEST(placement, replicas_with_balance) {
  auto p = parse_ok(R"({
    "app": "banano",
    "nodes": {"front": {"port": 7100}, "store-a": {"port": 7101}, "store-b": {"port": 7102}},
    "components": {
      "thingey-repo": {"node": "front"},
      "thingey-store": {"nodes": ["store-a", "store-b"], "balance": "round-robin"},
      "thingey-cache": {"nodes": ["store-b", "store-a"], "balance": "random"}
    }})");
  const auto& store = p.components.at("thingey-store");
  EXPECT_TRUE(store.replicated());
  EXPECT_EQ(store.nodes, (strings{"store-a", "store-b"}));
  EXPECT_EQ(store.balance, "round-robin");
  // Order as written: it is the order replicas are tried in.
  EXPECT_EQ(p.components.at("thingey-cache").nodes, (strings{"store-b", "store-a"}));
  EXPECT_EQ(p.components.at("thingey-cache").balance, "random");
}

TEST(placement, balance_with_one_node_is_accepted_and_means_not_replicated) {
  auto p = parse_ok(R"({"app": "a", "nodes": {"main": {}},
    "components": {"x": {"nodes": ["main"], "balance": "random"},
                   "y": {"node": "main", "balance": "round-robin"}}})");
  EXPECT_FALSE(p.components.at("x").replicated());
  EXPECT_EQ(p.components.at("x").nodes, strings{"main"});
  EXPECT_EQ(p.components.at("x").balance, "");
  EXPECT_EQ(p.components.at("y").balance, "");
}

TEST(placement, components_on_lists_sorted_names_including_replicas) {
  auto p = parse_ok(R"({"app": "a",
    "nodes": {"n1": {"port": 1}, "n2": {"port": 2}, "n3": {"port": 3}},
    "components": {"zeta": {"node": "n1"}, "alpha": {"node": "n1"},
                   "rep": {"nodes": ["n1", "n2"], "balance": "random"}}})");
  EXPECT_EQ(p.components_on("n1"), (strings{"alpha", "rep", "zeta"}));
  EXPECT_EQ(p.components_on("n2"), strings{"rep"});
  EXPECT_EQ(p.components_on("n3"), strings{});
  EXPECT_EQ(p.components_on("nowhere"), strings{});
  EXPECT_EQ(p.only_node(), "");
}

TEST(placement, only_node_names_the_single_node) {
  auto p =
      parse_ok(R"({"app": "a", "nodes": {"main": {}}, "components": {"c": {"node": "main"}}})");
  EXPECT_EQ(p.only_node(), "main");
}

TEST(placement, known_components_and_app_that_match_are_accepted) {
  auto opts = no_env();
  opts.app = "banano";
  opts.known_components = {"thingey-store", "thingey-repo"};
  auto p = parse_ok(design_example, opts);
  EXPECT_EQ(p.components.size(), 2u);
}

TEST(placement, set_overrides_a_number) {
  auto opts = no_env();
  opts.overrides = {"nodes.store.port=17101"};
  EXPECT_EQ(parse_ok(design_example, opts).nodes.at("store").port, 17101);
}

TEST(placement, set_overrides_a_string_after_expansion) {
  auto opts = no_env();
  opts.overrides = {"nodes.store.host=db.internal"};
  EXPECT_EQ(parse_ok(design_example, opts).nodes.at("store").host, "db.internal");
}

TEST(placement, set_creates_a_nested_object_path) {
  auto opts = no_env();
  opts.overrides = {"components.thingey-repo.config.cache.size=64"};
  auto p = parse_ok(design_example, opts);
  EXPECT_EQ(boost::json::serialize(p.components.at("thingey-repo").config),
            R"({"cache":{"size":64}})");
}

TEST(placement, set_a_bool_creating_defaults) {
  auto opts = no_env();
  opts.overrides = {"defaults.serialize_local=true"};
  auto p = parse_ok(R"({"app": "a", "nodes": {"main": {}}, "components": {"c": {"node": "main"}}})",
                    opts);
  EXPECT_TRUE(p.defaults.serialize_local);
}

TEST(placement, set_applies_in_order_so_the_last_wins) {
  auto opts = no_env();
  opts.overrides = {"defaults.timeout_ms=5", "defaults.timeout_ms=7"};
  EXPECT_EQ(parse_ok(design_example, opts).defaults.timeout, 7ms);
}

TEST(placement, set_can_move_a_component) {
  auto opts = no_env();
  opts.overrides = {"components.thingey-store.node=front"};
  auto p = parse_ok(design_example, opts);
  EXPECT_EQ(p.components_on("front"), (strings{"thingey-repo", "thingey-store"}));
}

TEST(placement, invalid_override_is_refused) {
  auto opts = no_env();
  opts.overrides = {"nodes.store.port"};
  auto p = cleave::parse_placement(design_example, "test.json", opts);
  ASSERT_FALSE(p);
  EXPECT_TRUE(cleave::is(p.error(), cleave::errc::invalid_placement));
  EXPECT_EQ(cleave::describe(p.error()),
            "invalid_placement: --set nodes.store.port: no '=', expected PATH=VALUE (e.g. --set "
            "nodes.store.port=17101)");
}

TEST(placement, load_reads_a_file_and_names_it) {
  auto path = write_file("load_ok.json", design_example);
  auto p = cleave::load_placement(path, no_env());
  std::remove(path.c_str());
  ASSERT_TRUE(p) << cleave::describe(p.error());
  EXPECT_EQ(p->file, path);
  EXPECT_EQ(p->nodes.at("store").port, 7101);
}

TEST(placement, load_names_the_file_in_errors) {
  auto path = write_file("load_bad.json", "{\n  \"app\": \"banano\",\n  \"nodes\": {\n}");
  auto p = cleave::load_placement(path, no_env());
  std::remove(path.c_str());
  ASSERT_FALSE(p);
  auto msg = cleave::what(p.error());
  EXPECT_EQ(msg.rfind(path + ":4:2: malformed JSON: incomplete JSON", 0), 0u) << msg;
}

TEST(placement, missing_file_is_refused_with_the_reason) {
  auto path = testing::TempDir() + "placement_test_does_not_exist.json";
  auto p = cleave::load_placement(path, no_env());
  ASSERT_FALSE(p);
  EXPECT_TRUE(cleave::is(p.error(), cleave::errc::invalid_placement));
  EXPECT_EQ(cleave::what(p.error()), path + ": cannot read: No such file or directory");
}

TEST(placement, directory_is_refused_with_the_reason) {
  auto p = cleave::load_placement(testing::TempDir(), no_env());
  ASSERT_FALSE(p);
  EXPECT_EQ(cleave::what(p.error()), testing::TempDir() + ": cannot read: Is a directory");
}

TEST(placement, uses_the_process_environment_without_a_fake) {
  // PATH is set in any environment tests run in; this only reads it.
  auto p = cleave::parse_placement(
      R"({"app": "${PATH}", "nodes": {"main": {}}, "components": {"c": {"node": "main"}}})", "t");
  ASSERT_TRUE(p) << cleave::describe(p.error());
  EXPECT_FALSE(p->app.empty());
  EXPECT_NE(p->app, "${PATH}");
}

}  // namespace
