// The cleave tool as a user runs it: check, up (a supervised local cluster) and status.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/testkit/detail/process.hpp"
#include "tests/runtime/gateway/http_client.hpp"

namespace {

using namespace std::chrono_literals;
using cleave_test::process;

const std::string bin_dir = CLEAVE_BIN_DIR;
const std::string split = std::string{CLEAVE_SOURCE_DIR} + "/configs/banano/split.json";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// `cleave ARGS...` run to completion (bounded).
struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

run_result cleave(std::vector<std::string> args) {
  args.insert(args.begin(), bin_dir + "/cleave");
  process p{args};
  auto code = p.wait(20s);
  return {code ? *code : -1, p.output(), p.errors()};
}

/// The split placement on free ports.
std::vector<std::string> free_ports() {
  return {"--set", "nodes.front.port=" + std::to_string(cleave_test::free_port()), "--set",
          "nodes.store.port=" + std::to_string(cleave_test::free_port())};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// The pid `cleave status` reports for node `name`, or 0 if it is not reachable.
pid_t reported_pid(const std::string& status, const std::string& name) {
  std::smatch m;
  std::regex re{"node " + name + " \\([^)]*\\): reachable, pid ([0-9]+)"};
  return std::regex_search(status, m, re) ? static_cast<pid_t>(std::stol(m[1])) : 0;
}

/// Polls `cleave status` until `accept(pid of node)` holds or the deadline passes.
template <class Accept>
pid_t poll_pid(const std::vector<std::string>& ports, const std::string& node, Accept accept,
               std::chrono::steady_clock::duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    auto status = cleave(concat({"status", split, "--timeout-ms", "300"}, ports));
    auto pid = reported_pid(status.out, node);
    if (accept(pid)) return pid;
  } while (std::chrono::steady_clock::now() < deadline);
  return 0;
}

TEST(cleave_check, prints_the_plan_validated_by_the_app) {
  auto r = cleave({"check", split});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "app banano (" + split + ")")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "node front  127.0.0.1:7100  banano-driver, thingey-audit, "
                       "thingey-repo\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "node store  127.0.0.1:7101  thingey-store\n")) << r.out;
}

TEST(cleave_check, refuses_a_bad_placement_with_the_field_named) {
  auto r = cleave({"check", split, "--set", "components.thingey-store.node=nowhere"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "components.thingey-store.node: found \"nowhere\"")) << r.err;
}

TEST(cleave_nodes, prints_the_node_names_with_the_overrides_applied) {
  auto r = cleave({"nodes", split});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "front\nstore\n");
  r = cleave({"nodes", split, "--set", "nodes.extra.port=7199"});
  EXPECT_EQ(r.out, "extra\nfront\nstore\n") << r.err;
  r = cleave({"nodes", split, "--set", "nodes.store.port=x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "nodes.store.port")) << r.err;
}

TEST(cleave_up, runs_every_node_prefixes_output_and_stops_all_on_sigterm) {
  auto ports = free_ports();
  process up{concat({bin_dir + "/cleave", "up", split}, ports)};
  ASSERT_TRUE(up.wait_for_output("front | Listed 0 items\n", 20s)) << up.report();
  EXPECT_TRUE(contains(up.output(),
                       "front | Starting..\nfront | Created d1\nfront | Got d1\n"
                       "front | Listed 1 items\nfront | Deleted d1\nfront | Listed 0 items\n"))
      << up.report();
  // The driver node has finished; the store serves on and answers the status probe.
  auto store_pid = poll_pid(
      ports, "store", [](pid_t pid) { return pid > 0; }, 10s);
  ASSERT_GT(store_pid, 0) << up.report();
  auto status = cleave(concat({"status", split}, ports));
  EXPECT_TRUE(contains(status.out, "thingey-store: 5 calls served")) << status.out;
  up.signal(SIGTERM);
  auto code = up.wait(20s);
  ASSERT_TRUE(code) << "cleave up did not stop: " << up.report();
  EXPECT_EQ(*code, 0) << up.report();
  EXPECT_NE(::kill(store_pid, 0), 0) << "the store node is still running";
}

TEST(cleave_up, restarts_a_node_that_crashes) {
  auto ports = free_ports();
  process up{concat({bin_dir + "/cleave", "up", split}, ports)};
  auto first = poll_pid(
      ports, "store", [](pid_t pid) { return pid > 0; }, 10s);
  ASSERT_GT(first, 0) << up.report();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  auto second = poll_pid(
      ports, "store", [first](pid_t pid) { return pid > 0 && pid != first; }, 15s);
  EXPECT_GT(second, 0) << "the store was not restarted: " << up.report();
  auto status = cleave(concat({"status", split}, ports));
  EXPECT_TRUE(contains(status.out, "reachable, pid " + std::to_string(second) + ", up "))
      << status.out;
  EXPECT_TRUE(contains(status.out, " ms, restarted 1 time by cleave up\n")) << status.out;
  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(20s), 0) << up.report();
  EXPECT_TRUE(contains(up.errors(), "node store killed by signal")) << up.report();
}

TEST(cleave_up, with_restart_never_a_crash_stops_every_node) {
  auto ports = free_ports();
  process up{concat({bin_dir + "/cleave", "up", split, "--set", "defaults.restart=never"}, ports)};
  auto store = poll_pid(
      ports, "store", [](pid_t pid) { return pid > 0; }, 10s);
  ASSERT_GT(store, 0) << up.report();
  ASSERT_EQ(::kill(store, SIGKILL), 0);
  auto code = up.wait(20s);
  ASSERT_TRUE(code) << "cleave up did not stop: " << up.report();
  EXPECT_EQ(*code, 1) << up.report();
  EXPECT_TRUE(contains(up.errors(),
                       "node store killed by signal Killed (defaults.restart is "
                       "\"never\"): stopping every node"))
      << up.report();
}

TEST(cleave_status, counts_the_requests_a_gateway_answered) {
  auto http_port = cleave_test::free_port();
  auto counter = std::string{CLEAVE_SOURCE_DIR} + "/configs/counter/split.json";
  std::vector<std::string> ports{
      "--set", "nodes.edge.port=" + std::to_string(cleave_test::free_port()),
      "--set", "nodes.core.port=" + std::to_string(cleave_test::free_port()),
      "--set", "components.gateway.config.listen=127.0.0.1:" + std::to_string(http_port)};
  process up{concat({bin_dir + "/cleave", "up", counter}, ports)};
  ASSERT_TRUE(up.wait_for_error_output(R"("msg":"gateway listening")", 20s)) << up.report();
  // The placement's rate limit lets one request through: the second is answered 429.
  gateway_test::http_reply first;
  int made = 0;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  do {  // until the core node, started alongside, has been reached
    first = gateway_test::post(http_port, "/add", R"({"v":1})");
    ++made;
  } while (first.status == 503 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(gateway_test::post(http_port, "/add", R"({"v":1})").status, 429);
  ++made;
  run_result status;
  deadline = std::chrono::steady_clock::now() + 10s;
  do {
    status = cleave(concat({"status", counter}, ports));
  } while (!contains(status.out, "  counter: 1 calls served\n") &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(contains(status.out, "  counter: 1 calls served\n")) << status.out;
  std::smatch answered;
  ASSERT_TRUE(std::regex_search(status.out, answered,
                                std::regex{"  gateway: ([0-9]+) HTTP requests answered\n"}))
      << status.out;
  // Every request answered counts: a 503 while the core node was starting, the 429 too.
  EXPECT_EQ(std::stoi(answered[1]), made) << status.out;
  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(20s), 0) << up.report();
}

// A node that runs a driver exits 0 when its scenario is done: `cleave up` records that, and
// `cleave status` says so instead of calling the node unreachable (and failing).
TEST(cleave_status, reports_a_driver_node_that_finished_as_finished) {
  cleave_test::temp_dir dir;
  std::ifstream source{split};
  std::stringstream text;
  text << source.rdbuf();
  auto file = dir.write("split.json", text.str());
  auto ports = free_ports();
  process up{concat({bin_dir + "/cleave", "up", file}, ports)};
  ASSERT_TRUE(up.wait_for_error_output("cleave: node front finished", 20s)) << up.report();
  auto status = cleave(concat({"status", file, "--timeout-ms", "300"}, ports));
  EXPECT_TRUE(std::regex_search(
      status.out, std::regex{R"(node front \(127\.0\.0\.1:[0-9]+\): finished at 20[0-9-]+T)"}))
      << status.out;
  EXPECT_TRUE(contains(status.out, "thingey-store: 5 calls served")) << status.out;
  EXPECT_EQ(status.code, 0) << status.out;
  // The same placement at other ports is another cluster: its front was never seen to finish.
  auto elsewhere = cleave(concat({"status", file, "--timeout-ms", "300"}, free_ports()));
  EXPECT_TRUE(contains(elsewhere.out, "node front (127.0.0.1:")) << elsewhere.out;
  EXPECT_FALSE(contains(elsewhere.out, "finished")) << elsewhere.out;
  EXPECT_EQ(elsewhere.code, 1) << elsewhere.out;
  up.signal(SIGTERM);
  EXPECT_EQ(up.wait(20s), 0) << up.report();
  // Once cleave up is gone, so is what it knew.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/.cleave/split.json.up.json"));
  auto after = cleave(concat({"status", file, "--timeout-ms", "300"}, ports));
  EXPECT_TRUE(contains(after.out, "unreachable")) << after.out;
}

TEST(cleave_up, exits_non_zero_when_a_node_cannot_start) {
  // Hold the store's port so that its node cannot listen: it fails fast, again and again.
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
  auto port = std::to_string(ntohs(addr.sin_port));
  process up{{bin_dir + "/cleave", "up", split, "--set",
              "nodes.front.port=" + std::to_string(cleave_test::free_port()), "--set",
              "nodes.store.port=" + port, "--set", "defaults.timeout_ms=200"}};
  auto code = up.wait(60s);
  ::close(holder);
  ASSERT_TRUE(code) << "cleave up kept retrying: " << up.report();
  EXPECT_EQ(*code, 1) << up.report();
  EXPECT_TRUE(contains(up.errors(), "fast failures in a row: giving up")) << up.report();
  EXPECT_TRUE(contains(up.errors(), "cannot listen on 127.0.0.1:" + port)) << up.report();
}

TEST(cleave_up, exits_non_zero_when_the_app_binary_is_missing) {
  auto r = cleave(concat({"up", split, "--bin", "/nonexistent/banano"}, free_ports()));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "/nonexistent/banano not found")) << r.err;
}

TEST(cleave_status, reports_unreachable_nodes_and_exits_non_zero) {
  auto r = cleave(concat({"status", split, "--timeout-ms", "300"}, free_ports()));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.out, "node front (127.0.0.1:")) << r.out;
  EXPECT_TRUE(contains(r.out, "unreachable: ")) << r.out;
}

// -- the dashboard (cleave status --web; the browser test is tests/dashboard) -------------------

TEST(cleave_status_web, serves_the_cluster_read_only_with_unreachable_nodes_down) {
  process web{concat({bin_dir + "/cleave", "status", split, "--web", "--listen", "127.0.0.1:0",
                      "--timeout-ms", "300"},
                     free_ports())};
  ASSERT_TRUE(web.wait_for_output("/ (read-only; Ctrl-C stops)\n", 20s)) << web.report();
  std::smatch m;
  auto out = web.output();
  ASSERT_TRUE(std::regex_search(
      out, m, std::regex{R"(dashboard of banano at http://127\.0\.0\.1:([0-9]+)/)"}))
      << out;
  auto port = static_cast<uint16_t>(std::stoi(m[1]));
  gateway_test::http_reply data;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    data = gateway_test::get(port, "/api/cluster");
  } while (!contains(data.body, R"("state":"down")") &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(data.status, 200) << data.body;
  EXPECT_TRUE(contains(data.body, R"("app":"banano","scope":"cluster")")) << data.body;
  EXPECT_TRUE(std::regex_search(
      data.body,
      std::regex{
          R"("name":"front","address":"127\.0\.0\.1:[0-9]+","state":"down","error":"[^"]*cannot connect)"}))
      << data.body;
  EXPECT_TRUE(contains(data.body, R"("name":"store")")) << data.body;
  EXPECT_EQ(data.header("cache-control"), "no-store");
  auto page = gateway_test::get(port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(contains(page.body, R"(<meta name="cleave-data" content="/api/cluster">)"));
  EXPECT_TRUE(contains(page.header("content-security-policy"), "default-src 'none'"));
  EXPECT_EQ(gateway_test::get(port, "/dashboard").status, 200);
  EXPECT_EQ(gateway_test::get(port, "/api/cluster/x").status, 404);
  EXPECT_EQ(gateway_test::get(port, "/../etc/passwd").status, 404);
  gateway_test::http_call post;
  post.method = "POST";
  post.target = "/api/cluster";
  post.body = "{}";
  auto refused = gateway_test::http(port, post);
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(refused.header("allow"), "GET");
  web.signal(SIGINT);
  auto code = web.wait(10s);
  ASSERT_TRUE(code) << web.report();
  EXPECT_EQ(*code, 0) << web.report();
}

TEST(cleave_status_web, refuses_listen_without_web_and_a_malformed_address) {
  auto alone = cleave({"status", split, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(alone.code, 2);
  EXPECT_TRUE(contains(alone.err, "--listen needs --web")) << alone.err;
  auto bad = cleave({"status", split, "--web", "--listen", "127.0.0.1"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, R"(--listen: expected HOST:PORT, found "127.0.0.1")")) << bad.err;
  auto elsewhere = cleave({"check", split, "--web"});
  EXPECT_EQ(elsewhere.code, 2);
  EXPECT_TRUE(contains(elsewhere.err, "--web and --listen are options of cleave status"))
      << elsewhere.err;
}

// -- certificates ------------------------------------------------------------------------------

/// Banano split on free ports, its certificates in `certs` with a passphrase from `passphrase`.
std::string split_with_certs(const cleave_test::temp_dir& dir, const std::string& security) {
  return dir.write("split.json", R"({"app": "banano", "security": )" + security + R"(,
    "nodes": {"front": {"port": )" + std::to_string(cleave_test::free_port()) +
                                     R"(},
              "store": {"port": )" + std::to_string(cleave_test::free_port()) +
                                     R"(}},
    "components": {"banano-driver": {"node": "front"}, "thingey-repo": {"node": "front"},
                   "thingey-audit": {"node": "front"}, "thingey-store": {"node": "store"}}})");
}

std::string first_line(const std::string& path) {
  std::ifstream in{path};
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(cleave_certs, makes_a_deployments_certificates_that_nodes_use_with_an_encrypted_key) {
  cleave_test::temp_dir dir;
  auto file = split_with_certs(dir, R"({"certs": "pki", "key_passphrase_env": "TEST_KEY_PASS"})");
  std::map<std::string, std::string> env{{"TEST_KEY_PASS", "s3cret"}};
  process made{{bin_dir + "/cleave", "certs", file, "--out", dir.path() + "/pki",
                "--passphrase-env", "TEST_KEY_PASS"},
               env};
  ASSERT_EQ(made.wait(20s), 0) << made.report();
  auto key = dir.path() + "/pki/nodes/store.key";
  EXPECT_TRUE(contains(made.output(), "made " + dir.path() + "/pki/nodes/store.pem"))
      << made.report();
  EXPECT_TRUE(contains(made.output(), R"("key_passphrase_env": "TEST_KEY_PASS")")) << made.report();
  EXPECT_EQ(first_line(key), "-----BEGIN ENCRYPTED PRIVATE KEY-----");
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // The nodes read the key with the passphrase, and the split works.
  process store{{bin_dir + "/banano", "--placement", file, "--node", "store"}, env};
  ASSERT_TRUE(store.wait_for_error_output(R"("msg":"listening")", 20s)) << store.report();
  process front{{bin_dir + "/banano", "--placement", file, "--node", "front"}, env};
  ASSERT_EQ(front.wait(20s), 0) << front.report() << store.report();
  EXPECT_EQ(front.output(),
            "Starting..\nCreated d1\nGot d1\nListed 1 items\nDeleted d1\nListed 0 items\n");

  // Without the passphrase, or with a wrong one, a node refuses to start and says why.
  process no_pass{{bin_dir + "/banano", "--placement", file, "--node", "front"}};
  EXPECT_EQ(no_pass.wait(20s), 2) << no_pass.report();
  EXPECT_TRUE(contains(no_pass.errors(),
                       "security.key_passphrase_env: environment variable "
                       "TEST_KEY_PASS is not set"))
      << no_pass.report();
  process wrong{{bin_dir + "/banano", "--placement", file, "--node", "front"},
                {{"TEST_KEY_PASS", "wrong"}}};
  EXPECT_EQ(wrong.wait(20s), 1) << wrong.report();
  EXPECT_TRUE(contains(wrong.errors(), "cannot load key " + dir.path() + "/pki/nodes/front.key"))
      << wrong.report();

  // Made again, nothing that exists is replaced.
  process again{{bin_dir + "/cleave", "certs", file, "--out", dir.path() + "/pki"}};
  ASSERT_EQ(again.wait(20s), 0) << again.report();
  EXPECT_TRUE(contains(again.output(), "kept " + dir.path() + "/pki/nodes/store.pem"))
      << again.report();
  EXPECT_EQ(first_line(key), "-----BEGIN ENCRYPTED PRIVATE KEY-----");
}

TEST(cleave_certs, a_passphrase_file_others_can_read_is_refused) {
  cleave_test::temp_dir dir;
  auto file = split_with_certs(dir, R"({"key_passphrase_file": "pass.txt"})");
  auto pass = dir.write("pass.txt", "s3cret\n");
  ::chmod(pass.c_str(), 0644);
  process node{{bin_dir + "/banano", "--placement", file, "--node", "store"}};
  EXPECT_EQ(node.wait(20s), 2) << node.report();
  EXPECT_TRUE(contains(node.errors(), "security.key_passphrase_file: " + pass +
                                          " has mode 0644, expected 0600 or stricter"))
      << node.report();
}

TEST(cleave_status, uses_a_certificate_of_its_own) {
  cleave_test::temp_dir dir;
  auto file = split_with_certs(dir, "{}");
  process store{{bin_dir + "/banano", "--placement", file, "--node", "store"}};
  ASSERT_TRUE(store.wait_for_error_output(R"("msg":"listening")", 20s)) << store.report();
  auto status = cleave({"status", file, "--timeout-ms", "2000"});
  EXPECT_TRUE(contains(status.out, "thingey-store: 0 calls served")) << status.out << status.err;
  EXPECT_TRUE(std::ifstream{dir.path() + "/.certs/split/tool.pem"}.good());
}

}  // namespace
