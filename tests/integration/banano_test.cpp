// The real banano binary, run as a user runs it: the monolith scenario, refused placements and
// command lines (exit code 2 before anything starts), a store that refuses its config, and
// ${VAR:-default} expansion from the environment.
#include <stdlib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "runtime/testkit/detail/process.hpp"

namespace {

using namespace std::chrono_literals;

// Banano's monolith finishes in well under a second; this only bounds a hang.
constexpr auto child_deadline = 20s;

const std::string banano_bin = std::string{CLEAVE_BIN_DIR} + "/banano";
const std::string monolith = std::string{CLEAVE_SOURCE_DIR} + "/configs/banano/monolith.json";

const std::string scenario_output =
    "Starting..\nCreated d1\nGot d1\nListed 1 items\nDeleted d1\nListed 0 items\n";

struct run_result {
  std::optional<int> code;  // std::nullopt: still running at the deadline (then killed)
  std::string out;
  std::string err;
  std::string report;
};

/// Runs banano with `args` (and `env` added to the environment) to completion or the deadline.
run_result run_banano(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), banano_bin);
  cleave_test::process p{std::move(args), std::move(env)};
  auto code = p.wait(child_deadline);
  return {code, p.output(), p.errors(), p.report()};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A fresh directory for the placement files of one test, removed afterwards.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = ::testing::TempDir() + "banano_test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Writes `text` to `name` in the directory and returns the file's path.
  std::string write(const std::string& name, const std::string& text) const {
    auto file = (path_ / name).string();
    std::ofstream{file, std::ios::binary} << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

// -- the monolith -----------------------------------------------------------------------------

TEST(banano, monolith_runs_the_scenario_and_exits_0) {
  auto r = run_banano({"--placement", monolith});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 0) << r.report;
  EXPECT_EQ(r.out, scenario_output) << r.report;
  EXPECT_EQ(r.err, "") << r.report;
}

TEST(banano, placement_may_be_given_as_option_equals_value) {
  auto r = run_banano({"--placement=" + monolith, "--node=main"});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 0) << r.report;
  EXPECT_EQ(r.out, scenario_output) << r.report;
}

// -- refused placement files ------------------------------------------------------------------

struct bad_placement {
  const char* name;
  const char* text;
  /// The error after "banano: <file>", e.g. ": nodes.main.port: found ...".
  const char* error;
};

void PrintTo(const bad_placement& p, std::ostream* os) {
  *os << p.name;
}

class refused_placement : public ::testing::TestWithParam<bad_placement> {};

TEST_P(refused_placement, exits_2_before_anything_starts_naming_file_path_found_and_expected) {
  temp_dir dir;
  auto file = dir.write("placement.json", GetParam().text);
  auto r = run_banano({"--placement", file});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 2) << r.report;
  EXPECT_EQ(r.err, "banano: " + file + GetParam().error + "\n") << r.report;
  EXPECT_EQ(r.out, "") << "nothing may start with a refused placement\n" << r.report;
}

INSTANTIATE_TEST_SUITE_P(
    banano, refused_placement,
    ::testing::Values(
        bad_placement{"malformed_json", R"({
  "app": "banano",
  "nodes" {}
})",
                      ":3:11: malformed JSON: syntax error at `{}`"},
        bad_placement{"unknown_node", R"({
  "app": "banano",
  "nodes": { "main": {} },
  "components": {
    "banano-driver": { "node": "main" },
    "thingey-repo":  { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-store": { "node": "nowhere" }
  }
})",
                      ": components.thingey-store.node: found \"nowhere\", expected one of the "
                      "nodes (\"main\")"},
        bad_placement{"component_placed_nowhere", R"({
  "app": "banano",
  "nodes": { "main": {} },
  "components": {
    "banano-driver": { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-store": { "node": "main" }
  }
})",
                      ": components: component \"thingey-repo\" is placed nowhere: add "
                      "\"thingey-repo\": {\"node\": \"...\"}"},
        bad_placement{
            "component_the_app_does_not_have", R"({
  "app": "banano",
  "nodes": { "main": {} },
  "components": {
    "banano-driver": { "node": "main" },
    "thingey-repo":  { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-stor":  { "node": "main" }
  }
})",
            ": components.thingey-stor: app \"banano\" has no component \"thingey-stor\" "
            "(it has: banano-driver, thingey-audit, thingey-repo, thingey-store); did you mean "
            "\"thingey-store\"?"},
        bad_placement{"duplicate_host_and_port", R"({
  "app": "banano",
  "nodes": {
    "main":  { "host": "127.0.0.1", "port": 7100 },
    "spare": { "host": "127.0.0.1", "port": 7100 }
  },
  "components": {
    "banano-driver": { "node": "main" },
    "thingey-repo":  { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-store": { "node": "main" }
  }
})",
                      ": nodes.spare: found address 127.0.0.1:7100, which node \"main\" has too, "
                      "expected each node at its own host:port"},
        bad_placement{"zero_timeout", R"({
  "app": "banano",
  "defaults": { "timeout_ms": 0 },
  "nodes": { "main": {} },
  "components": {
    "banano-driver": { "node": "main" },
    "thingey-repo":  { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-store": { "node": "main" }
  }
})",
                      ": defaults.timeout_ms: found 0, expected a positive integer (milliseconds)"},
        bad_placement{"duration_of_the_wrong_type", R"({
  "app": "banano",
  "defaults": { "timeout_ms": "2000" },
  "nodes": { "main": {} },
  "components": {
    "banano-driver": { "node": "main" },
    "thingey-repo":  { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-store": { "node": "main" }
  }
})",
                      ": defaults.timeout_ms: found \"2000\" (string), expected a positive integer "
                      "(milliseconds)"},
        bad_placement{"port_of_the_wrong_type", R"({
  "app": "banano",
  "nodes": { "main": { "port": "7100" } },
  "components": {
    "banano-driver": { "node": "main" },
    "thingey-repo":  { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-store": { "node": "main" }
  }
})",
                      ": nodes.main.port: found \"7100\" (string), expected a port number "
                      "(1..65535)"},
        bad_placement{"placement_for_another_app", R"({
  "app": "other",
  "nodes": { "main": {} },
  "components": { "thingey-repo": { "node": "main" } }
})",
                      ": app: found \"other\", expected \"banano\", the app this program runs"}),
    [](const ::testing::TestParamInfo<bad_placement>& param_info) {
      return param_info.param.name;
    });

TEST(banano, missing_placement_file_exits_2_naming_it) {
  temp_dir dir;
  auto file = dir.write("present.json", "{}");
  auto missing = file + ".absent";
  auto r = run_banano({"--placement", missing});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 2) << r.report;
  EXPECT_EQ(r.err, "banano: " + missing + ": cannot read: No such file or directory\n") << r.report;
  EXPECT_EQ(r.out, "") << r.report;
}

// -- --set overrides --------------------------------------------------------------------------

TEST(banano, set_zero_timeout_exits_2_naming_the_field_and_the_set) {
  auto r = run_banano({"--placement", monolith, "--set", "defaults.timeout_ms=0"});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 2) << r.report;
  EXPECT_EQ(r.err, "banano: " + monolith +
                       ": defaults.timeout_ms: found 0, expected a positive integer (milliseconds) "
                       "(set by --set defaults.timeout_ms=0)\n")
      << r.report;
  EXPECT_EQ(r.out, "") << r.report;
}

TEST(banano, store_refusing_its_config_fails_the_start) {
  auto r =
      run_banano({"--placement", monolith, "--set", "components.thingey-store.config.capacity=0"});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_NE(*r.code, 0) << r.report;
  EXPECT_EQ(*r.code, 1) << "a valid placement whose component fails is not a usage error\n"
                        << r.report;
  EXPECT_TRUE(contains(r.err, "thingey-store failed to start")) << r.report;
  EXPECT_EQ(r.err,
            "banano: internal: thingey-store failed to start: config.capacity must be positive\n")
      << r.report;
  EXPECT_EQ(r.out, "") << "the driver must not run when a component failed to start\n" << r.report;
}

TEST(banano, set_replaces_a_value_of_the_file) {
  // A capacity of 1 is enough for the scenario, which keeps at most one record.
  auto r =
      run_banano({"--placement", monolith, "--set", "components.thingey-store.config.capacity=1"});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 0) << r.report;
  EXPECT_EQ(r.out, scenario_output) << r.report;
}

// -- ${VAR:-default} --------------------------------------------------------------------------

constexpr const char* env_placement = R"({
  "app": "banano",
  "nodes": { "main": {} },
  "components": {
    "banano-driver": { "node": "${CLEAVE_IT_DRIVER_NODE:-nowhere}" },
    "thingey-repo":  { "node": "main" },
    "thingey-audit": { "node": "main" },
    "thingey-store": { "node": "main" }
  }
})";

TEST(banano, placement_takes_a_variable_from_the_environment) {
  temp_dir dir;
  auto file = dir.write("env.json", env_placement);
  auto r = run_banano({"--placement", file}, {{"CLEAVE_IT_DRIVER_NODE", "main"}});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 0) << r.report;
  EXPECT_EQ(r.out, scenario_output) << r.report;
}

TEST(banano, placement_uses_the_default_when_the_variable_is_empty) {
  temp_dir dir;
  auto file = dir.write("env.json", env_placement);
  // Set but empty, so the result does not depend on the environment the tests run in.
  auto r = run_banano({"--placement", file}, {{"CLEAVE_IT_DRIVER_NODE", ""}});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 2) << r.report;
  EXPECT_EQ(r.err, "banano: " + file +
                       ": components.banano-driver.node: found \"nowhere\", expected one of the "
                       "nodes (\"main\") (expanded from \"${CLEAVE_IT_DRIVER_NODE:-nowhere}\")\n")
      << r.report;
  EXPECT_EQ(r.out, "") << r.report;
}

// -- command line -----------------------------------------------------------------------------

TEST(banano, unknown_option_exits_2_with_usage) {
  auto r = run_banano({"--placement", monolith, "--bogus"});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 2) << r.report;
  EXPECT_EQ(r.err.rfind("banano: unknown option \"--bogus\"\nusage: banano --placement FILE", 0),
            0u)
      << r.report;
  EXPECT_EQ(r.out, "") << r.report;
}

TEST(banano, missing_placement_option_exits_2_with_usage) {
  auto r = run_banano({});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 2) << r.report;
  EXPECT_EQ(r.err.rfind("banano: --placement FILE is required\nusage: banano --placement FILE", 0),
            0u)
      << r.report;
  EXPECT_EQ(r.out, "") << r.report;
}

TEST(banano, help_prints_usage_on_stdout_and_exits_0) {
  auto r = run_banano({"--help"});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 0) << r.report;
  EXPECT_EQ(
      r.out.rfind("usage: banano --placement FILE [--node NAME] [--set PATH=VALUE]... [--check]\n",
                  0),
      0u)
      << r.report;
  for (const char* option :
       {"\n  --placement FILE ", "\n  --node NAME ", "\n  --set PATH=VALUE ", "\n  --check "})
    EXPECT_TRUE(contains(r.out, option)) << option << " is not explained\n" << r.report;
  EXPECT_EQ(r.err, "") << r.report;
}

TEST(banano, unknown_node_exits_2_naming_the_node) {
  auto r = run_banano({"--placement", monolith, "--node", "nosuch"});
  ASSERT_TRUE(r.code) << "banano did not finish within the deadline\n" << r.report;
  EXPECT_EQ(*r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, monolith + ": no node named \"nosuch\" (nodes: \"main\")"))
      << r.report;
  EXPECT_EQ(r.out, "") << r.report;
}

}  // namespace
