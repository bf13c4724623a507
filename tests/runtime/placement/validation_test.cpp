// Placement files that are refused, one test per mistake: each message names the file, the JSON
// path, what was found and what was expected.
#include "runtime/placement/placement.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "runtime/core/error.hpp"

namespace {

using cleave::placement_options;

constexpr const char* file = "configs/banano/bad.json";

placement_options no_env() {
  placement_options opts;
  opts.getenv = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
  return opts;
}

// The error text for `text`, or "<accepted>".
std::string error_of(std::string_view text, placement_options opts = no_env()) {
  auto p = cleave::parse_placement(text, file, opts);
  if (p) return "<accepted>";
  EXPECT_TRUE(cleave::is(p.error(), cleave::errc::invalid_placement))
      << cleave::describe(p.error());
  return cleave::what(p.error());
}

// A valid two-node banano placement with `defaults`, `nodes` and `components` replaceable.
struct doc {
  std::string app = R"("banano")";
  std::string defaults;  // "" = absent
  std::string security;  // "" = absent
  std::string registry;  // "" = absent
  std::string topics;    // "" = absent
  std::string nodes = R"({"front": {"host": "127.0.0.1", "port": 7100},
                          "store": {"host": "127.0.0.1", "port": 7101}})";
  std::string components = R"({"thingey-repo": {"node": "front"},
                               "thingey-store": {"node": "store"}})";

  std::string text() const {
    std::string out = "{\"app\": " + app + ",\n";
    if (!defaults.empty()) out += "\"defaults\": " + defaults + ",\n";
    if (!security.empty()) out += "\"security\": " + security + ",\n";
    if (!registry.empty()) out += "\"registry\": " + registry + ",\n";
    if (!topics.empty()) out += "\"topics\": " + topics + ",\n";
    return out + "\"nodes\": " + nodes + ",\n\"components\": " + components + "}";
  }
};

std::string prefixed(const std::string& rest) {
  return std::string{file} + ": " + rest;
}

TEST(validation, the_base_document_is_valid) {
  EXPECT_EQ(error_of(doc{}.text()), "<accepted>");
}

// --- malformed text ---------------------------------------------------------------------------

TEST(validation, malformed_json_gives_line_and_column) {
  EXPECT_EQ(error_of("{\n  \"app\": \"banano\"\n  \"nodes\": {}\n}"),
            std::string{file} + ":3:3: malformed JSON: syntax error at `\"nodes\": {}`");
}

TEST(validation, duplicate_component_key_explains_replication) {
  auto text = R"({"app": "banano",
  "nodes": {"front": {"port": 7100}, "store": {"port": 7101}},
  "components": {
    "thingey-store": {"node": "front"},
    "thingey-store": {"node": "store"}
  }})";
  EXPECT_EQ(error_of(text),
            prefixed("components.thingey-store: key appears twice (again at line 5, column 5): the "
                     "component is placed twice; to run it on several nodes, declare it replicated "
                     "with \"nodes\": [...] plus \"balance\""));
}

TEST(validation, duplicate_key_elsewhere_is_refused_too) {
  EXPECT_EQ(error_of(R"({"app": "banano", "app": "other"})"),
            prefixed("app: key appears twice (again at line 1, column 19)"));
}

TEST(validation, top_level_must_be_an_object) {
  EXPECT_EQ(error_of("[1, 2]"),
            prefixed("(top level): found [1,2] (array), expected an object with "
                     "\"app\", \"nodes\" and \"components\""));
}

// --- app ----------------------------------------------------------------------------------------

TEST(validation, app_is_required) {
  EXPECT_EQ(error_of(R"({"nodes": {"m": {}}, "components": {"c": {"node": "m"}}})"),
            prefixed("app: missing, expected the app's name (a non-empty string)"));
}

TEST(validation, app_must_be_a_non_empty_string) {
  doc d;
  d.app = "42";
  EXPECT_EQ(error_of(d.text()),
            prefixed("app: found 42 (number), expected the app's name (a non-empty string)"));
  d.app = R"("")";
  EXPECT_EQ(error_of(d.text()),
            prefixed("app: found \"\", expected the app's name (a non-empty string)"));
}

TEST(validation, app_mismatch_is_refused) {
  auto opts = no_env();
  opts.app = "other";
  EXPECT_EQ(error_of(doc{}.text(), opts),
            prefixed("app: found \"banano\", expected \"other\", the app this program runs"));
}

// --- unknown keys at each level ---------------------------------------------------------------

TEST(validation, unknown_top_level_key) {
  auto text = R"({"app": "banano", "node": {}, "nodes": {}, "components": {}})";
  EXPECT_EQ(error_of(text), prefixed("node: unknown key, expected one of \"app\", \"defaults\", "
                                     "\"security\", \"registry\", \"nodes\", \"components\", "
                                     "\"topics\"; "
                                     "did you mean "
                                     "\"nodes\"?"));
}

TEST(validation, unknown_defaults_key) {
  doc d;
  d.defaults = R"({"timeot_ms": 100})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.timeot_ms: unknown key, expected one of \"timeout_ms\", "
                     "\"serialize_local\", \"heartbeat_ms\", \"connection_timeout_ms\", "
                     "\"run_timeout_ms\", \"log_calls\", \"scheduler\", \"scheduler_threads\", "
                     "\"max_frame_bytes\", \"handshake_timeout_ms\", \"max_peer_connections\", "
                     "\"startup_grace_ms\", \"restart\"; did you mean \"timeout_ms\"?"));
}

TEST(validation, restart_is_on_failure_or_never) {
  doc d;
  d.defaults = R"({"restart": "always"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.restart: found \"always\", expected \"on-failure\" or \"never\""));
  d.defaults = R"({"restart": false})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.restart: found false (boolean), expected "
                                         "\"on-failure\" or \"never\""));
  d.defaults = R"({"restart": "never"})";
  auto p = cleave::parse_placement(d.text(), file, no_env());
  ASSERT_TRUE(p) << cleave::describe(p.error());
  EXPECT_FALSE(p->defaults.restart);
  d.defaults = "";
  EXPECT_TRUE(cleave::parse_placement(d.text(), file, no_env())->defaults.restart)
      << "on-failure by default";
}

TEST(validation, scheduler_is_one_of_two_policies_with_a_bounded_thread_count) {
  doc d;
  d.defaults = R"({"scheduler": "sharing", "scheduler_threads": 2})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
  d.defaults = R"({"scheduler": "fifo"})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.scheduler: found \"fifo\", expected "
                                         "\"auto\", \"work-stealing\" or \"sharing\""));
  d.defaults = R"({"scheduler_threads": 1000})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.scheduler_threads: found 1000, expected a number "
                     "of threads (1..256), or 0 for one per core"));
  d.defaults = R"({"scheduler_threads": "2"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.scheduler_threads: found \"2\" (string), expected a number of "
                     "threads (1..256), or 0 for one per core"));
}

TEST(validation, node_port_limits_are_bounded) {
  doc d;
  d.defaults =
      R"({"max_frame_bytes": 65536, "handshake_timeout_ms": 50, "max_peer_connections": 1,
          "startup_grace_ms": 0})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
  d.defaults = R"({"startup_grace_ms": -1})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.startup_grace_ms: found -1, expected a "
                                         "positive integer (milliseconds)"));
  d.defaults = R"({"max_frame_bytes": 4294967295})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.max_frame_bytes: found 4294967295, expected a "
                                         "size in bytes from 65536 to 1073741824 (1 GiB)"));
  d.defaults = R"({"max_peer_connections": 0})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.max_peer_connections: found 0, expected a "
                                         "number of connections (1..65536)"));
  d.defaults = R"({"handshake_timeout_ms": 0})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.handshake_timeout_ms: found 0, expected a "
                                         "positive integer (milliseconds)"));
}

TEST(validation, security_keys_are_checked) {
  doc d;
  d.security = R"({"insecure": true})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
  d.security = R"({"certs": "/etc/cleave", "key_passphrase_env": "KEY_PASS"})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
  d.security = R"({"insecure": "yes"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("security.insecure: found \"yes\" (string), expected true or false"));
  d.security = R"({"cert": "x"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("security.cert: unknown key, expected one of \"insecure\", \"certs\", "
                     "\"key_passphrase_env\", \"key_passphrase_file\"; did you mean \"certs\"?"));
  d.security = R"({"certs": ""})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("security.certs: found \"\", expected a path (a non-empty string)"));
  d.security = R"({"key_passphrase_env": "A", "key_passphrase_file": "f"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("security.key_passphrase_file: found both key_passphrase_env and "
                     "key_passphrase_file, expected one of them"));
}

TEST(validation, certificates_live_beside_the_placement_unless_named) {
  auto p = cleave::parse_placement(doc{}.text(), "configs/banano/split.json", no_env());
  ASSERT_TRUE(p) << cleave::describe(p.error());
  EXPECT_EQ(p->certs_dir(), "configs/banano/.certs/split");
  EXPECT_TRUE(p->security.made_on_first_use());
  doc d;
  d.security = R"({"certs": "pki"})";
  p = cleave::parse_placement(d.text(), "configs/banano/split.json", no_env());
  ASSERT_TRUE(p) << cleave::describe(p.error());
  EXPECT_EQ(p->certs_dir(), "configs/banano/pki");
  d.security = R"({"certs": "/etc/cleave/pki"})";
  p = cleave::parse_placement(d.text(), "split.json", no_env());
  ASSERT_TRUE(p) << cleave::describe(p.error());
  EXPECT_EQ(p->certs_dir(), "/etc/cleave/pki");
  EXPECT_FALSE(p->security.made_on_first_use());
}

TEST(validation, log_calls_must_be_a_boolean) {
  doc d;
  d.defaults = R"({"log_calls": "yes"})";
  EXPECT_NE(error_of(d.text()).find("defaults.log_calls: found \"yes\""), std::string::npos)
      << error_of(d.text());
}

TEST(validation, unknown_node_key) {
  doc d;
  d.nodes = R"({"front": {"host": "127.0.0.1", "prot": 7100}})";
  EXPECT_EQ(error_of(d.text()), prefixed("nodes.front.prot: unknown key, expected one of \"host\", "
                                         "\"port\", \"admin\"; did you mean \"port\"?"));
}

TEST(validation, unknown_component_key) {
  doc d;
  d.components = R"({"thingey-repo": {"node": "front", "settings": {}}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-repo.settings: unknown key, expected one of \"node\", "
                     "\"nodes\", \"balance\", \"route_by\", \"breaker\", \"config\", "
                     "\"state\""));
}

TEST(validation, state_is_a_path_and_each_replica_has_its_own) {
  doc d;
  d.components = R"({"thingey-store": {"node": "store", "state": 7}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.state: found 7 (number), expected the path of the "
                     "component's store, e.g. \"data/users.db\""));
  d.components = R"({"thingey-store": {"nodes": ["front", "store"], "balance": "round-robin",
                                       "state": "data/store.db"}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.state: found \"data/store.db\" for a replicated "
                     "component, expected a path with \"{node}\" in it (e.g. "
                     "\"data/thingey-store-{node}.db\"): each instance keeps a store of its own"));
  d.components = R"({"thingey-store": {"nodes": ["front", "store"], "balance": "round-robin",
                                       "state": "data/store-{node}.db"}})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
}

TEST(validation, keyed_replicas_with_state_are_not_discovered_through_a_registry) {
  doc d;
  d.registry = R"({"etcd": "http://127.0.0.1:2379"})";
  d.components = R"({"thingey-repo": {"node": "front"},
                     "thingey-store": {"node": "store", "route_by": "id",
                                       "state": "data/store-{node}.db"}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.route_by: found a routing key for a component "
                     "that keeps state, under a \"registry\", expected keyed replicas with state "
                     "on the nodes the placement lists (no \"registry\"): a key must stay with "
                     "the instance that holds its records, and registered instances come and go"));
  // Without state, or without a key, or without a registry: accepted.
  d.components = R"({"thingey-repo": {"node": "front"},
                     "thingey-store": {"node": "store", "route_by": "id"}})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
  d.components = R"({"thingey-repo": {"node": "front"},
                     "thingey-store": {"node": "store", "state": "data/store-{node}.db"}})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
}

TEST(validation, route_by_needs_replicas) {
  doc d;
  d.components = R"({"thingey-store": {"node": "store", "route_by": "id"}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.route_by: found a routing key for a component on "
                     "one node, expected \"nodes\" with two or more, or a \"registry\" (keyed "
                     "routing picks one of several replicas)"));
}

TEST(validation, route_by_must_name_a_member) {
  doc d;
  d.components = R"({"thingey-store": {"nodes": ["front", "store"], "route_by": "item.id"}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.route_by: found \"item.id\", expected the name of "
                     "a request member, e.g. \"id\""));
}

TEST(validation, breaker_settings) {
  doc d;
  d.components = R"({"thingey-store": {"node": "store", "breaker": {"failures": 0}}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.breaker.failures: found 0, expected an integer "
                     "from 1 to 1000000 (consecutive failed calls)"));
  d.components = R"({"thingey-store": {"node": "store", "breaker": {"cooldown": 5}}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.breaker.cooldown: unknown key, expected one of "
                     "\"failures\", \"cool_down_ms\", \"failure_rate\", \"window_ms\", "
                     "\"min_calls\""));
  d.components = R"({"thingey-store": {"node": "store", "breaker": {"failure_rate": 0}}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.breaker.failure_rate: found 0, expected a share of "
                     "failed calls above 0 and at most 1, e.g. 0.5"));
  d.components = R"({"thingey-store": {"node": "store", "breaker": {"window_ms": 5}}})";
  EXPECT_EQ(error_of(d.text()), prefixed("components.thingey-store.breaker.window_ms: found 5, "
                                         "expected at least 10 (milliseconds)"));
  d.components = R"({"thingey-store": {"node": "store",
                     "breaker": {"failure_rate": 0.25, "window_ms": 2000, "min_calls": 8}}})";
  auto rated = cleave::parse_placement(d.text(), file, no_env());
  ASSERT_TRUE(rated) << cleave::describe(rated.error());
  const auto& store = rated->components.at("thingey-store");
  ASSERT_TRUE(store.breaker);
  EXPECT_EQ(store.breaker->failures, 5);
  EXPECT_DOUBLE_EQ(store.breaker->failure_rate, 0.25);
  EXPECT_EQ(store.breaker->window, std::chrono::milliseconds{2000});
  EXPECT_EQ(store.breaker->min_calls, 8);
  d.components = R"({"thingey-store": {"node": "store", "breaker": {"cool_down_ms": 250}}})";
  auto plan = cleave::parse_placement(d.text(), file, no_env());
  ASSERT_TRUE(plan) << cleave::describe(plan.error());
  const auto& b = plan->components.at("thingey-store").breaker;
  ASSERT_TRUE(b);
  EXPECT_EQ(b->failures, 5);
  EXPECT_EQ(b->cool_down, std::chrono::milliseconds{250});
}

TEST(validation, route_by_makes_balance_optional) {
  doc d;
  d.components = R"({"thingey-store": {"nodes": ["front", "store"], "route_by": "id"}})";
  auto plan = cleave::parse_placement(d.text(), file, no_env());
  ASSERT_TRUE(plan) << cleave::describe(plan.error());
  EXPECT_EQ(plan->components.at("thingey-store").route_by, "id");
  EXPECT_EQ(plan->components.at("thingey-store").balance, "round-robin");
}

// --- registry -----------------------------------------------------------------------------------

TEST(validation, registry_settings) {
  doc d;
  d.registry = R"({"etcd": "http://10.0.0.5:2379/", "lease_ttl_s": 3, "prefix": "/apps/"})";
  d.components = R"({"thingey-repo": {"node": "front"},
                     "thingey-store": {"node": "store", "route_by": "id"}})";
  auto plan = cleave::parse_placement(d.text(), file, no_env());
  ASSERT_TRUE(plan) << cleave::describe(plan.error());
  EXPECT_EQ(plan->registry.etcd_host, "10.0.0.5");
  EXPECT_EQ(plan->registry.etcd_port, 2379);
  EXPECT_EQ(plan->registry.lease_ttl_s, 3);
  EXPECT_EQ(plan->registry.prefix, "/apps/");
  // Every component may have instances registered: balanced round-robin unless told.
  const auto& store = plan->components.at("thingey-store");
  EXPECT_TRUE(store.replicated());
  EXPECT_EQ(store.balance, "round-robin");
  EXPECT_EQ(store.route_by, "id");
  EXPECT_FALSE(store.breaker);
}

TEST(validation, registry_mistakes) {
  doc d;
  d.registry = R"({"etcd": "https://10.0.0.5:2379"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("registry.etcd: found \"https://10.0.0.5:2379\", expected the address of "
                     "etcd's JSON gateway, \"http://HOST:PORT\""));
  d.registry = R"({"etcd": "http://10.0.0.5"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("registry.etcd: found \"http://10.0.0.5\", expected the address of etcd's "
                     "JSON gateway, \"http://HOST:PORT\""));
  d.registry = R"({"etcd": "http://10.0.0.5:2379", "lease_ttl_s": 1})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("registry.lease_ttl_s: found 1, expected a number of seconds from 2 to 3600"));
  d.registry = R"({"lease_ttl_s": 5})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("registry.etcd: missing, expected the address of etcd, \"http://HOST:PORT\""));
  d.registry = R"({"etcd": "http://10.0.0.5:2379", "ttl": 5})";
  EXPECT_EQ(error_of(d.text()), prefixed("registry.ttl: unknown key, expected one of \"etcd\", "
                                         "\"lease_ttl_s\", \"prefix\""));
  d.registry = R"({"etcd": "http://10.0.0.5:2379"})";
  d.nodes = R"({"front": {"host": "127.0.0.1", "port": 7100}})";
  d.components = R"({"thingey-repo": {"node": "front"}, "thingey-store": {"node": "front"}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("registry: found a registry in a placement with one node, expected two or "
                     "more nodes (instances register the port where they accept peers)"));
}

// --- defaults -----------------------------------------------------------------------------------

TEST(validation, defaults_must_be_an_object) {
  doc d;
  d.defaults = "[]";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults: found [] (array), expected an object"));
}

TEST(validation, negative_timeout_is_refused) {
  doc d;
  d.defaults = R"({"timeout_ms": -5})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.timeout_ms: found -5, expected a positive integer (milliseconds)"));
}

TEST(validation, zero_timeout_is_refused) {
  doc d;
  d.defaults = R"({"heartbeat_ms": 0})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.heartbeat_ms: found 0, expected a positive integer (milliseconds)"));
}

TEST(validation, bool_timeout_is_a_wrong_type) {
  doc d;
  d.defaults = R"({"run_timeout_ms": true})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.run_timeout_ms: found true (boolean), expected a "
                     "positive integer (milliseconds)"));
}

TEST(validation, float_and_string_timeouts_are_wrong_types) {
  doc d;
  d.defaults = R"({"timeout_ms": 2.5})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.timeout_ms: found 2.5 (number), expected a "
                                         "positive integer (milliseconds)"));
  d.defaults = R"({"timeout_ms": "2000"})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.timeout_ms: found \"2000\" (string), expected a "
                                         "positive integer (milliseconds)"));
}

TEST(validation, absurdly_long_timeout_is_refused) {
  doc d;
  d.defaults = R"({"timeout_ms": 99999999999999})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.timeout_ms: found 99999999999999, expected a positive integer "
                     "(milliseconds) of at most 31536000000 (one year)"));
  d.defaults = R"({"timeout_ms": 18446744073709551615})";
  EXPECT_NE(error_of(d.text()).find("found 18446744073709551615, expected"), std::string::npos);
}

TEST(validation, serialize_local_must_be_a_bool) {
  doc d;
  d.defaults = R"({"serialize_local": "yes"})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("defaults.serialize_local: found \"yes\" (string), expected true or false"));
}

TEST(validation, connection_timeout_below_heartbeat_is_refused) {
  doc d;
  d.defaults = R"({"heartbeat_ms": 1000, "connection_timeout_ms": 999})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.connection_timeout_ms: found 999, expected at "
                                         "least heartbeat_ms (1000)"));
}

TEST(validation, heartbeat_above_the_default_connection_timeout_is_refused) {
  doc d;
  d.defaults = R"({"heartbeat_ms": 5000})";
  EXPECT_EQ(error_of(d.text()), prefixed("defaults.heartbeat_ms: found 5000, expected at most "
                                         "connection_timeout_ms (3000, the default)"));
}

// --- nodes --------------------------------------------------------------------------------------

TEST(validation, nodes_are_required_and_not_empty) {
  EXPECT_EQ(error_of(R"({"app": "banano", "components": {"c": {"node": "m"}}})"),
            prefixed("nodes: missing, expected an object of nodes, e.g. {\"main\": {\"host\": "
                     "\"127.0.0.1\"}}"));
  doc d;
  d.nodes = "{}";
  EXPECT_EQ(error_of(d.text()), prefixed("nodes: found {}, expected at least one node"));
}

TEST(validation, string_port_is_a_wrong_type) {
  doc d;
  d.nodes = R"({"front": {"port": 7100}, "store": {"port": "7101"}})";
  EXPECT_EQ(error_of(d.text()), prefixed("nodes.store.port: found \"7101\" (string), expected a "
                                         "port number (1..65535)"));
}

TEST(validation, port_out_of_range_is_refused) {
  doc d;
  d.nodes = R"({"front": {"port": 70000}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("nodes.front.port: found 70000, expected a port number (1..65535)"));
  d.nodes = R"({"front": {"port": 0}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("nodes.front.port: found 0, expected a port number (1..65535)"));
}

TEST(validation, admin_must_be_host_and_port) {
  doc d;
  d.nodes = R"({"front": {"port": 7100, "admin": "127.0.0.1:9100"},
               "store": {"port": 7101, "admin": "[::1]:0"}})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
  const char* expected =
      "expected an address \"host:port\" for the admin HTTP port (port 0..65535)";
  for (const char* bad : {"9100", ":9100", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000"}) {
    d.nodes = std::string{R"({"front": {"port": 7100, "admin": ")"} + bad + R"("}})";
    EXPECT_EQ(error_of(d.text()),
              prefixed("nodes.front.admin: found \"" + std::string{bad} + "\", " + expected))
        << bad;
  }
  d.nodes = R"({"front": {"port": 7100, "admin": 9100}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed(std::string{"nodes.front.admin: found 9100 (number), "} + expected));
}

TEST(validation, number_host_is_a_wrong_type) {
  doc d;
  d.nodes = R"({"front": {"host": 7, "port": 7100}})";
  EXPECT_EQ(error_of(d.text()), prefixed("nodes.front.host: found 7 (number), expected a host name "
                                         "or address (a non-empty string)"));
}

TEST(validation, node_must_be_an_object) {
  doc d;
  d.nodes = R"({"front": "127.0.0.1:7100"})";
  EXPECT_EQ(error_of(d.text()), prefixed("nodes.front: found \"127.0.0.1:7100\" (string), expected "
                                         "an object with \"host\" and \"port\""));
}

TEST(validation, node_name_must_be_plain) {
  doc d;
  d.nodes = R"({"front end": {"port": 7100}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("nodes[\"front end\"]: found node name \"front end\", expected a name of "
                     "letters, digits, '-' and '_'"));
}

TEST(validation, every_node_of_several_needs_a_port) {
  doc d;
  d.nodes = R"({"front": {"port": 7100}, "store": {"host": "10.0.0.2"}})";
  EXPECT_EQ(error_of(d.text()), prefixed("nodes.store.port: missing, expected a port number "
                                         "(1..65535): the placement has 2 nodes, and each accepts "
                                         "peers"));
}

TEST(validation, duplicate_host_and_port_names_both_nodes) {
  doc d;
  d.nodes = R"({"front": {"host": "127.0.0.1", "port": 7100},
               "store": {"port": 7100}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("nodes.store: found address 127.0.0.1:7100, which node \"front\" has too, "
                     "expected each node at its own host:port"));
}

TEST(validation, same_port_on_different_hosts_is_fine) {
  doc d;
  d.nodes = R"({"front": {"host": "10.0.0.1", "port": 7100},
               "store": {"host": "10.0.0.2", "port": 7100}})";
  EXPECT_EQ(error_of(d.text()), "<accepted>");
}

// --- components ---------------------------------------------------------------------------------

TEST(validation, components_are_required_and_not_empty) {
  doc d;
  d.components = "{}";
  EXPECT_EQ(error_of(d.text()), prefixed("components: found {}, expected at least one component"));
}

TEST(validation, unknown_node_lists_the_nodes) {
  doc d;
  d.components = R"({"thingey-repo": {"node": "front"}, "thingey-store": {"node": "nowhere"}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.node: found \"nowhere\", expected "
                     "one of the nodes (\"front\", \"store\")"));
}

TEST(validation, unknown_node_in_a_replica_list_names_its_index) {
  doc d;
  d.components = R"({"thingey-store": {"nodes": ["store", "stor"], "balance": "random"}})";
  EXPECT_EQ(error_of(d.text()), prefixed("components.thingey-store.nodes[1]: found \"stor\", "
                                         "expected one of the nodes (\"front\", \"store\")"));
}

TEST(validation, node_must_be_a_string) {
  doc d;
  d.components = R"({"thingey-store": {"node": ["store"]}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.node: found [\"store\"] (array), "
                     "expected a node name (a string)"));
}

TEST(validation, component_with_no_node_is_placed_nowhere) {
  doc d;
  d.components = R"({"thingey-store": {"config": {"capacity": 3}}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store: placed nowhere: expected \"node\" or \"nodes\""));
}

TEST(validation, app_component_missing_from_the_placement_is_placed_nowhere) {
  auto opts = no_env();
  opts.known_components = {"thingey-repo", "thingey-store", "thingey-audit"};
  EXPECT_EQ(error_of(doc{}.text(), opts),
            prefixed("components: component \"thingey-audit\" is placed nowhere: add "
                     "\"thingey-audit\": {\"node\": \"...\"}"));
}

TEST(validation, component_the_app_does_not_have) {
  auto opts = no_env();
  opts.known_components = {"thingey-store", "thingey-repo"};
  doc d;
  d.components = R"({"thingey-repo": {"node": "front"}, "thingey-stor": {"node": "store"}})";
  EXPECT_EQ(
      error_of(d.text(), opts),
      prefixed("components.thingey-stor: app \"banano\" has no component \"thingey-stor\" (it "
               "has: thingey-repo, thingey-store); did you mean \"thingey-store\"?"));
}

TEST(validation, two_nodes_without_balance_are_refused) {
  doc d;
  d.components = R"({"thingey-store": {"nodes": ["front", "store"]}})";
  EXPECT_EQ(
      error_of(d.text()),
      prefixed(
          "components.thingey-store.nodes: placed on 2 nodes without being declared "
          "replicated: add \"balance\": \"round-robin\" (or \"least-outstanding\", \"random\")"));
}

TEST(validation, node_and_nodes_together_are_refused) {
  doc d;
  d.components = R"({"thingey-store": {"node": "store", "nodes": ["store"]}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store: found both \"node\" and "
                     "\"nodes\", expected one of them (\"nodes\" for replicas)"));
}

TEST(validation, empty_nodes_list_is_refused) {
  doc d;
  d.components = R"({"thingey-store": {"nodes": []}})";
  EXPECT_EQ(error_of(d.text()), prefixed("components.thingey-store.nodes: found [], expected a "
                                         "non-empty array of node names"));
}

TEST(validation, node_listed_twice_is_refused) {
  doc d;
  d.components = R"({"thingey-store": {"nodes": ["store", "store"], "balance": "random"}})";
  EXPECT_EQ(error_of(d.text()), prefixed("components.thingey-store.nodes[1]: found \"store\" a "
                                         "second time, expected each node at most once"));
}

TEST(validation, unknown_balance_is_refused) {
  doc d;
  d.components = R"({"thingey-store": {"nodes": ["front", "store"], "balance": "fastest"}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.thingey-store.balance: found \"fastest\", "
                     "expected one of \"round-robin\", \"least-outstanding\", \"random\""));
}

TEST(validation, config_must_be_an_object) {
  doc d;
  d.components = R"({"thingey-store": {"node": "store", "config": 10000}})";
  EXPECT_EQ(error_of(d.text()), prefixed("components.thingey-store.config: found 10000 (number), "
                                         "expected an object"));
}

TEST(validation, component_must_be_an_object) {
  doc d;
  d.components = R"({"thingey-store": "store"})";
  EXPECT_EQ(error_of(d.text()), prefixed("components.thingey-store: found \"store\" (string), "
                                         "expected an object with \"node\" or \"nodes\""));
}

// --- where values came from ---------------------------------------------------------------------

TEST(validation, unset_variable_is_refused_with_path_and_name) {
  doc d;
  d.nodes = R"({"front": {"host": "${FRONT_HOST}", "port": 7100}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("nodes.front.host: found \"${FRONT_HOST}\", but the environment variable "
                     "FRONT_HOST is not set: set it or give a default, ${FRONT_HOST:-value}"));
}

TEST(validation, error_in_an_expanded_value_says_what_it_was_expanded_from) {
  doc d;
  d.nodes = R"({"front": {"host": "${FRONT_HOST}", "port": 7100}})";
  auto opts = no_env();
  opts.getenv = [](const std::string&) -> std::optional<std::string> {
    return "";
  };
  EXPECT_EQ(error_of(d.text(), opts),
            prefixed("nodes.front.host: found \"\", expected a host name or address (a non-empty "
                     "string) (expanded from \"${FRONT_HOST}\")"));
}

TEST(validation, error_in_an_overridden_value_names_the_override) {
  auto opts = no_env();
  opts.overrides = {"nodes.store.port=seventy"};
  EXPECT_EQ(error_of(doc{}.text(), opts),
            prefixed("nodes.store.port: found \"seventy\" (string), expected a port number "
                     "(1..65535) (set by --set nodes.store.port=seventy)"));
}

TEST(validation, topics_say_how_each_topics_events_travel) {
  doc d;
  d.topics = R"({"order-created": {"transport": "nats", "url": "nats://127.0.0.1:4222",
                                   "ack_wait_ms": 5000},
                 "news": {"transport": "cluster"}})";
  auto p = cleave::parse_placement(d.text(), file, no_env());
  ASSERT_TRUE(p) << cleave::describe(p.error());
  ASSERT_EQ(p->topics.size(), 2U);
  const auto& orders = p->topics.at("order-created");
  EXPECT_TRUE(orders.nats());
  EXPECT_EQ(orders.url, "nats://127.0.0.1:4222");
  EXPECT_EQ(orders.ack_wait, std::chrono::milliseconds{5000});
  EXPECT_FALSE(p->topics.at("news").nats());
  EXPECT_EQ(p->topics.at("news").ack_wait, std::chrono::milliseconds{30000});
}

TEST(validation, a_bad_topic_is_refused_naming_what_is_wrong) {
  auto refused = [](const std::string& topics) {
    doc d;
    d.topics = topics;
    return error_of(d.text());
  };
  EXPECT_EQ(refused(R"({"t": {"transport": "kafka"}})"),
            prefixed("topics.t.transport: found \"kafka\", expected \"cluster\" or \"nats\""));
  EXPECT_EQ(refused(R"({"t": {"transport": "nats"}})"),
            prefixed("topics.t.url: missing, expected the NATS server, \"nats://HOST:PORT\""));
  EXPECT_EQ(refused(R"({"t": {"transport": "nats", "url": "http://127.0.0.1:4222"}})"),
            prefixed("topics.t.url: found \"http://127.0.0.1:4222\", expected the NATS server, "
                     "\"nats://HOST:PORT\""));
  EXPECT_EQ(refused(R"({"t": {"url": "nats://127.0.0.1:4222"}})"),
            prefixed("topics.t.url: is for \"transport\": \"nats\" only; this topic's transport "
                     "is \"cluster\""));
  EXPECT_EQ(refused(R"({"t": {"transport": "nats", "url": "nats://h:1", "ack_wait_ms": 5}})"),
            prefixed("topics.t.ack_wait_ms: found 5, expected milliseconds from 100 to 3600000"));
  EXPECT_EQ(refused(R"({"t": {"transport": "nats", "url": "nats://h:1", "ackwait_ms": 500}})"),
            prefixed("topics.t.ackwait_ms: unknown key, expected one of \"transport\", \"url\", "
                     "\"ack_wait_ms\"; did you mean \"ack_wait_ms\"?"));
  EXPECT_EQ(refused(R"({"orders.created": {}})"),
            prefixed("topics[\"orders.created\"]: a topic's name is 1 to 64 of A-Z a-z 0-9 _ - "
                     "(it names a NATS subject)"));
}

TEST(validation, override_through_a_string_is_refused) {
  auto opts = no_env();
  opts.overrides = {"app.name=x"};
  EXPECT_EQ(error_of(doc{}.text(), opts),
            "--set app.name=x: app: found \"banano\" (string), "
            "expected an object to set \"name\" in");
}

TEST(validation, override_can_introduce_an_error_of_its_own) {
  auto opts = no_env();
  opts.overrides = {"components.thingey-store.node=nowhere"};
  EXPECT_EQ(
      error_of(doc{}.text(), opts),
      prefixed("components.thingey-store.node: found \"nowhere\", expected one of the nodes "
               "(\"front\", \"store\") (set by --set components.thingey-store.node=nowhere)"));
}

// --- order --------------------------------------------------------------------------------------

TEST(validation, first_error_in_document_order_is_reported) {
  doc d;
  d.components = R"({"b": {"node": "nowhere"}, "a": {"node": "front", "x": 1}})";
  EXPECT_EQ(error_of(d.text()),
            prefixed("components.b.node: found \"nowhere\", expected one of the "
                     "nodes (\"front\", \"store\")"));
}

TEST(validation, sections_are_checked_in_a_fixed_order) {
  // The components section comes first in the file, but nodes are checked before components.
  auto text = R"({"components": {"c": {"node": "nowhere"}}, "app": "banano",
                  "nodes": {"m": {"port": "x"}}})";
  EXPECT_EQ(error_of(text), prefixed("nodes.m.port: found \"x\" (string), expected a port number "
                                     "(1..65535)"));
}

// docs/placement.md shows validation messages: each is checked against what the program says
// for the same mistake, so that the page cannot fall behind (it listed 6 of 12 defaults keys).
TEST(validation, the_messages_shown_in_docs_placement_md_are_the_programs) {
  std::ifstream in{std::string{CLEAVE_SOURCE_DIR} + "/docs/placement.md"};
  ASSERT_TRUE(in) << "docs/placement.md not found";
  std::string page{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  auto shown = [&](const doc& d) {
    auto message = error_of(d.text());
    // The page names the file split.json.
    message.replace(0, std::string{file}.size(), "split.json");
    return "`" + message + "`";
  };
  doc unknown;
  unknown.defaults = R"({"timeot_ms": 100})";
  doc wrong_type;
  wrong_type.defaults = R"({"run_timeout_ms": true})";
  doc negative;
  negative.defaults = R"({"timeout_ms": -5})";
  doc long_duration;
  long_duration.defaults = R"({"timeout_ms": 99999999999999})";
  doc kafka;
  kafka.topics = R"({"order-created": {"transport": "kafka"}})";
  doc no_server;
  no_server.topics = R"({"order-created": {"transport": "nats"}})";
  for (const auto* d : {&unknown, &wrong_type, &negative, &long_duration, &kafka, &no_server})
    EXPECT_NE(page.find(shown(*d)), std::string::npos)
        << "docs/placement.md does not show the message " << shown(*d);
}

}  // namespace
