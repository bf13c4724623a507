// `cleave deploy` as a user runs it: every target's files for every Banano, Counter and Shop
// placement pass the ecosystem's own checker (systemd-analyze verify, docker-compose config, the
// Kubernetes object schemas), the Dockerfile is well formed and installs packages that exist and
// cover what the binaries link, the systemd units' ExecStart lines run a working cluster, and
// placements that cannot be deployed as asked are refused with the field named.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/testkit/detail/process.hpp"
#include "tests/runtime/gateway/http_client.hpp"

namespace {

using namespace std::chrono_literals;
using cleave_test::process;
using cleave_test::temp_dir;
namespace fs = std::filesystem;

const std::string bin_dir = CLEAVE_BIN_DIR;
const std::string source_dir = CLEAVE_SOURCE_DIR;
const std::string checks_dir = source_dir + "/tests/deploy";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
  std::string report;
};

/// Runs `argv` to completion (bounded), in this environment plus `env`.
run_result run(const std::vector<std::string>& argv, std::map<std::string, std::string> env = {}) {
  process p{argv, std::move(env)};
  auto code = p.wait(60s);
  return {code ? *code : -1, p.output(), p.errors(), p.report()};
}

run_result deploy(const std::string& file, const std::string& target, const std::string& out,
                  std::vector<std::string> more = {}) {
  std::vector<std::string> argv{bin_dir + "/cleave", "deploy", file, "--to", target, "--out", out};
  argv.insert(argv.end(), more.begin(), more.end());
  if (target == "systemd" && std::find(more.begin(), more.end(), "--bin-dir") == more.end()) {
    // systemd-analyze verify checks that ExecStart's program exists.
    argv.emplace_back("--bin-dir");
    argv.push_back(bin_dir);
  }
  return run(argv);
}

std::string read(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> files_ending(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Each placement of Banano, Counter and Shop, with each target.
struct case_param {
  std::string file;
  std::string app;
  std::string target;
};

void PrintTo(const case_param& p, std::ostream* os) {
  *os << p.file << " --to " << p.target;
}

std::vector<case_param> every_placement() {
  std::vector<case_param> out;
  for (const char* app : {"banano", "counter", "shop"})
    for (const auto& file : files_ending(source_dir + "/configs/" + app, ".json"))
      for (const char* target : {"systemd", "compose", "kubernetes"})
        out.push_back({file, app, target});
  return out;
}

std::string case_name(const testing::TestParamInfo<case_param>& info) {
  auto stem = fs::path{info.param.file}.stem().string();
  std::string name = info.param.app + "_" + stem + "_" + info.param.target;
  for (auto& c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  return name;
}

/// The checker of each target, on the files in `dir`.
run_result check(const std::string& target, const std::string& dir) {
  if (target == "systemd") {
    std::vector<std::string> argv{"systemd-analyze", "verify", "--man=no"};
    auto units = files_ending(dir, ".service");
    argv.insert(argv.end(), units.begin(), units.end());
    return run(argv);
  }
  if (target == "compose")
    return run({"docker-compose", "--project-directory", dir, "-f", dir + "/docker-compose.yml",
                "config", "-q"});
  EXPECT_TRUE(fs::exists(checks_dir + "/node_modules/kubernetes-models"))
      << "the npm packages of tests/deploy are not installed: run scripts/setup";
  return run({"node", checks_dir + "/validate-kubernetes.mjs", dir + "/kubernetes.yaml"});
}

class deploy_each : public testing::TestWithParam<case_param> {};

TEST_P(deploy_each, writes_files_that_pass_the_targets_checker) {
  const auto& p = GetParam();
  temp_dir dir;
  auto out = dir.path() + "/out";
  auto made = deploy(p.file, p.target, out);
  ASSERT_EQ(made.code, 0) << made.report;
  auto checked = check(p.target, out);
  EXPECT_EQ(checked.code, 0) << checked.report;
  if (p.target == "systemd") {
    // verify prints what it dislikes and may still exit 0.
    EXPECT_EQ(checked.err, "") << checked.report;
  }
  // The placement it wrote is one the app accepts.
  auto app = run({bin_dir + "/" + p.app, "--placement", out + "/placement.json", "--check"});
  EXPECT_EQ(app.code, 0) << app.report;
}

INSTANTIATE_TEST_SUITE_P(configs, deploy_each, testing::ValuesIn(every_placement()), case_name);

const std::string counter_split = source_dir + "/configs/counter/split.json";
const std::string banano_split = source_dir + "/configs/banano/split.json";
const std::string shop_step5 = source_dir + "/configs/shop/step5.json";

// -- the checkers can fail ------------------------------------------------------

TEST(deploy_checkers, refuse_broken_files) {
  temp_dir dir;
  auto sd = dir.path() + "/sd";
  ASSERT_EQ(deploy(counter_split, "systemd", sd, {"--bin-dir", "/nonexistent"}).code, 0);
  EXPECT_NE(check("systemd", sd).code, 0) << "verify accepted an ExecStart that does not exist";

  auto compose = dir.path() + "/compose";
  ASSERT_EQ(deploy(counter_split, "compose", compose).code, 0);
  auto text = read(compose + "/docker-compose.yml");
  auto at = text.find("    restart: on-failure");
  ASSERT_NE(at, std::string::npos) << text;
  std::ofstream{compose + "/docker-compose.yml"} << text.substr(0, at) << "    ports: 8080\n"
                                                 << text.substr(at);
  EXPECT_NE(check("compose", compose).code, 0) << "docker-compose accepted ports: 8080";

  auto k8s = dir.path() + "/k8s";
  ASSERT_EQ(deploy(counter_split, "kubernetes", k8s).code, 0);
  text = read(k8s + "/kubernetes.yaml");
  at = text.find("replicas: 1");
  ASSERT_NE(at, std::string::npos) << text;
  std::ofstream{k8s + "/kubernetes.yaml"} << text.substr(0, at) << "replicas: one"
                                          << text.substr(at + 11);
  auto bad = check("kubernetes", k8s);
  EXPECT_NE(bad.code, 0) << bad.report;
  EXPECT_TRUE(contains(bad.err, "replicas must be integer")) << bad.report;
}

// -- the Dockerfile -------------------------------------------------------------

/// The Dockerfile's instructions: continuation lines joined, comments and blank lines dropped.
std::vector<std::pair<std::string, std::string>> instructions(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in{text};
  std::string line;
  std::string logical;
  while (std::getline(in, line)) {
    if (logical.empty() && (line.empty() || line[0] == '#')) continue;
    if (!line.empty() && line.back() == '\\') {
      logical += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    logical += line;
    auto space = logical.find(' ');
    out.emplace_back(logical.substr(0, space),
                     space == std::string::npos ? "" : logical.substr(space + 1));
    logical.clear();
  }
  EXPECT_EQ(logical, "") << "a continuation at the end of the Dockerfile";
  return out;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in{text};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

/// The packages `apt-get install` names in the Dockerfile's RUN lines.
std::set<std::string> installed_packages(const std::string& dockerfile) {
  std::set<std::string> out;
  for (const auto& [op, args] : instructions(dockerfile)) {
    if (op != "RUN") continue;
    auto w = words(args);
    auto install = std::find(w.begin(), w.end(), "install");
    if (install == w.end()) continue;
    for (auto i = install + 1; i != w.end() && *i != "&&"; ++i)
      if ((*i)[0] != '-') out.insert(*i);
  }
  return out;
}

TEST(deploy_dockerfile, is_well_formed_and_copies_what_the_folder_holds) {
  temp_dir dir;
  auto out = dir.path() + "/out";
  ASSERT_EQ(deploy(shop_step5, "compose", out).code, 0);
  auto text = read(out + "/Dockerfile");
  auto ins = instructions(text);
  ASSERT_FALSE(ins.empty());
  EXPECT_EQ(ins.front(), (std::pair<std::string, std::string>{"FROM", "debian:12-slim"}));
  const std::set<std::string> known{"FROM",   "RUN",        "COPY", "USER",   "WORKDIR",
                                    "EXPOSE", "ENTRYPOINT", "CMD",  "VOLUME", "ENV"};
  std::string user;
  for (const auto& [op, args] : ins) {
    EXPECT_EQ(known.count(op), 1u) << "unknown instruction " << op << " in\n" << text;
    EXPECT_FALSE(args.empty()) << op << " without arguments in\n" << text;
    if (op == "USER") user = args;
    if (op == "COPY") {
      auto w = words(args);
      ASSERT_GE(w.size(), 2u);
      for (size_t i = 0; i + 1 < w.size(); ++i)
        EXPECT_TRUE(fs::exists(out + "/" + w[i])) << "COPY source " << w[i] << " not in " << out;
    }
    if (op == "ENTRYPOINT" || op == "CMD") {
      EXPECT_EQ(args.front(), '[') << op << " not in exec form: " << args;
      EXPECT_EQ(args.back(), ']') << op << " not in exec form: " << args;
    }
    if (op == "EXPOSE")
      for (const auto& port : words(args)) EXPECT_GT(std::stoi(port), 0) << args;
  }
  EXPECT_FALSE(user.empty()) << "the image runs as root:\n" << text;
  EXPECT_NE(user, "root");
  EXPECT_NE(user, "0");
  EXPECT_TRUE(contains(text, "ENTRYPOINT [\"/usr/local/bin/shop\"]")) << text;
  EXPECT_TRUE(contains(text, "EXPOSE 7320 7321 7322 7323 7324 7325 7326 8082 9901")) << text;
  EXPECT_TRUE(contains(text, "apt-get install -y --no-install-recommends")) << text;
}

TEST(deploy_dockerfile, installs_debian_packages_that_exist_and_cover_what_the_binaries_load) {
  temp_dir dir;
  auto out = dir.path() + "/out";
  ASSERT_EQ(deploy(shop_step5, "kubernetes", out).code, 0);
  auto packages = installed_packages(read(out + "/Dockerfile"));
  ASSERT_FALSE(packages.empty());
  for (const auto& p : packages) {
    auto shown = run({"apt-cache", "show", "--no-all-versions", p});
    EXPECT_EQ(shown.code, 0) << "no Debian package " << p << ": " << shown.report;
    EXPECT_TRUE(contains(shown.out, "Package: " + p + "\n")) << shown.out;
  }
  // The install step itself, as far as this machine allows: apt resolves it (simulated).
  std::vector<std::string> install{"apt-get", "install", "-s", "--no-install-recommends"};
  install.insert(install.end(), packages.begin(), packages.end());
  auto simulated = run(install);
  EXPECT_EQ(simulated.code, 0) << simulated.report;
  // What the apps and modules link, by package (libc6 and libgcc-s1 are in every Debian image).
  std::set<std::string> needed;
  for (const char* file : {"banano", "counter", "shop", "libcleave_tls.so", "libcleave_nats.so"}) {
    auto ldd = run({"ldd", bin_dir + "/" + file});
    ASSERT_EQ(ldd.code, 0) << ldd.report;
    std::istringstream lines{ldd.out};
    for (std::string line; std::getline(lines, line);) {
      auto arrow = line.find("=> /");
      if (arrow == std::string::npos) continue;
      auto path = words(line.substr(arrow + 3)).at(0);
      // Merged /usr: dpkg knows a library by one of its paths, not always the one ldd prints.
      auto real = fs::canonical(path).string();
      run_result owner;
      for (const auto& candidate :
           {path, real, real.rfind("/usr/", 0) == 0 ? real.substr(4) : real}) {
        owner = run({"dpkg", "-S", candidate});
        if (owner.code == 0) break;
      }
      ASSERT_EQ(owner.code, 0) << owner.report;
      auto colon = owner.out.find(':');
      needed.insert(owner.out.substr(0, colon));
    }
  }
  for (const auto& p : needed) {
    if (p == "libc6" || p == "libgcc-s1") continue;
    EXPECT_EQ(packages.count(p), 1u)
        << "the binaries load a library of " << p << ", which the Dockerfile does not install";
  }
}

// -- the systemd units, run ----------------------------------------------------------------

/// The environment an EnvironmentFile gives: VAR="value" lines, '\\' escapes.
std::map<std::string, std::string> environment_file(const std::string& path) {
  std::map<std::string, std::string> env;
  std::istringstream in{read(path)};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    EXPECT_NE(eq, std::string::npos) << line;
    auto raw = line.substr(eq + 1);
    std::string value;
    if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
      for (size_t i = 1; i + 1 < raw.size(); ++i) {
        if (raw[i] == '\\') ++i;
        value += raw[i];
      }
    } else {
      value = raw;
    }
    env[line.substr(0, eq)] = value;
  }
  return env;
}

std::string unit_line(const std::string& unit, const std::string& key) {
  std::istringstream in{unit};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  return "";
}

/// Nodes of a deployed placement running as processes on 127.0.0.1, each with an admin port.
struct running_nodes {
  temp_dir dir;
  std::map<std::string, uint16_t> admin;  // node -> admin port
  uint16_t http = 0;
  std::map<std::string, std::unique_ptr<process>> nodes;

  bool ready(const std::string& node, std::chrono::seconds timeout = 20s) {
    return gateway_test::poll_until(
        timeout, [&] { return gateway_test::get(admin.at(node), "/readyz").status == 200; }, 50ms);
  }

  std::string report() const {
    std::string r;
    for (const auto& [name, p] : nodes) r += "--- " + name + ": " + p->report() + "\n";
    return r;
  }

  /// SIGTERM to every node; true if each exited within the deadline.
  bool stop() {
    bool all = true;
    for (auto& [name, p] : nodes) p->signal(SIGTERM);
    for (auto& [name, p] : nodes) all = p->wait(20s).has_value() && all;
    return all;
  }
};

/// A placement deployed for systemd on free ports of 127.0.0.1, its units' ExecStart lines
/// started with the environment file's variables.
struct systemd_cluster : running_nodes {
  std::string out = dir.path() + "/etc";

  systemd_cluster(const std::string& file, const std::vector<std::string>& node_names,
                  bool gateway) {
    auto ports = cleave_test::free_ports(2 * node_names.size() + 1);
    std::vector<std::string> args{"--config-dir", out, "--state-dir", dir.path() + "/state"};
    size_t i = 0;
    for (const auto& n : node_names) {
      args.insert(args.end(), {"--set", "nodes." + n + ".port=" + std::to_string(ports[i++])});
      admin[n] = ports[i++];
      args.insert(args.end(),
                  {"--set", "nodes." + n + ".admin=127.0.0.1:" + std::to_string(admin[n])});
    }
    if (gateway) {
      http = ports[i];
      args.insert(args.end(),
                  {"--set", "components.gateway.config.listen=127.0.0.1:" + std::to_string(http)});
    }
    auto made = deploy(file, "systemd", out, args);
    EXPECT_EQ(made.code, 0) << made.report;
    // The certificates go where the generated placement says (certs/ beside it).
    auto certs = run({bin_dir + "/cleave", "certs", out + "/placement.json"});
    EXPECT_EQ(certs.code, 0) << certs.report;
  }

  void start_all() {
    for (const auto& unit : files_ending(out, ".service")) {
      auto text = read(unit);
      auto exec = words(unit_line(text, "ExecStart"));
      auto env = environment_file(unit_line(text, "EnvironmentFile"));
      auto node = exec.back();
      nodes[node] = std::make_unique<process>(exec, env);
    }
  }
};

TEST(deploy_systemd_run, counter_units_serve_a_request) {
  systemd_cluster c{counter_split, {"core", "edge"}, true};
  c.start_all();
  ASSERT_EQ(c.nodes.size(), 2u);
  for (const char* node : {"core", "edge"}) ASSERT_TRUE(c.ready(node, 20s)) << node << c.report();
  auto r = gateway_test::post(c.http, "/add", R"({"v":1})");
  EXPECT_EQ(r.status, 200) << r.body << c.report();
  EXPECT_TRUE(contains(r.body, "1")) << r.body;
  EXPECT_TRUE(c.stop()) << c.report();
}

TEST(deploy_systemd_run, shop_units_serve_a_request_and_keep_state_in_the_state_folder) {
  std::vector<std::string> names{"edge",       "main",       "orders-a",     "orders-b",
                                 "products-a", "products-b", "notifications"};
  systemd_cluster c{shop_step5, names, true};
  c.start_all();
  ASSERT_EQ(c.nodes.size(), names.size());
  for (const auto& node : names) ASSERT_TRUE(c.ready(node, 20s)) << node << c.report();
  auto r = gateway_test::post(c.http, "/users", R"({"name":"Ann","email":"ann@example.org"})");
  EXPECT_EQ(r.status, 201) << r.body << c.report();
  EXPECT_TRUE(fs::exists(c.dir.path() + "/state/data/users.db")) << c.report();
  EXPECT_TRUE(c.stop()) << c.report();
}

TEST(deploy_systemd_run, banano_units_run_the_driver_against_the_store) {
  systemd_cluster c{banano_split, {"front", "store"}, false};
  c.start_all();
  ASSERT_EQ(c.nodes.size(), 2u);
  ASSERT_TRUE(c.ready("store", 20s)) << c.report();
  // The driver's scenario goes through the store node; its node exits 0 when it is done.
  auto& front = *c.nodes.at("front");
  ASSERT_TRUE(front.wait_for_output("Listed 0 items\n", 20s)) << c.report();
  EXPECT_TRUE(contains(front.output(), "Created d1\nGot d1\nListed 1 items\nDeleted d1\n"))
      << c.report();
  EXPECT_EQ(front.wait(20s), 0) << c.report();
  EXPECT_TRUE(c.stop()) << c.report();
}

// -- the container placement, run -----------------------------------------------------------

/// The placement `cleave deploy --to compose` writes, run as containers see it: each node in a
/// mount namespace whose /etc/hosts names every service, each at a loopback address of its own
/// (127.0.0.11, .12, ...), as Compose's hostname and DNS do. Only what names container paths or
/// would clash on one machine is overridden (node, admin and gateway ports; certificate and state
/// folders); hosts, the 0.0.0.0 admin and gateway addresses and the environment are the file's.
struct container_cluster : running_nodes {
  std::string out = dir.path() + "/compose";
  bool made = false;

  container_cluster(const std::string& file, const std::string& app,
                    const std::vector<std::string>& names,
                    const std::vector<std::string>& stateful) {
    auto r = deploy(file, "compose", out);
    EXPECT_EQ(r.code, 0) << r.report;
    auto certs = run(
        {bin_dir + "/cleave", "certs", out + "/placement.json", "--out", dir.path() + "/certs"});
    EXPECT_EQ(certs.code, 0) << certs.report;
    std::string hosts = "127.0.0.1 localhost\n";
    auto ports = cleave_test::free_ports(2 * names.size() + 1);
    std::vector<std::string> sets{"--set", "security.certs=" + dir.path() + "/certs"};
    size_t i = 0;
    for (const auto& n : names) {
      hosts += "127.0.0." + std::to_string(11 + i / 2) + " " + n + "\n";
      sets.insert(sets.end(), {"--set", "nodes." + n + ".port=" + std::to_string(ports[i++])});
      admin[n] = ports[i++];
      sets.insert(sets.end(),
                  {"--set", "nodes." + n + ".admin=0.0.0.0:" + std::to_string(admin[n])});
    }
    http = ports[i];
    sets.insert(sets.end(),
                {"--set", "components.gateway.config.listen=0.0.0.0:" + std::to_string(http)});
    for (const auto& c : stateful)
      sets.insert(sets.end(), {"--set", "components." + c + ".state=" + dir.path() + "/state/" + c +
                                            "-{node}.db"});
    auto hosts_file = dir.write("hosts", hosts);
    for (const auto& n : names) {
      std::vector<std::string> argv{"unshare",
                                    "--mount",
                                    "sh",
                                    "-c",
                                    "mount --bind \"$0\" /etc/hosts && shift && exec \"$@\"",
                                    hosts_file,
                                    "--",
                                    bin_dir + "/" + app,
                                    "--placement",
                                    out + "/placement.json",
                                    "--node",
                                    n};
      argv.insert(argv.end(), sets.begin(), sets.end());
      nodes[n] = std::make_unique<process>(argv);
    }
    made = r.code == 0 && certs.code == 0;
  }
};

TEST(deploy_containers_run, counter_nodes_dial_each_other_by_service_name) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: a mount namespace per node (unshare -m)";
  container_cluster c{counter_split, "counter", {"core", "edge"}, {}};
  ASSERT_TRUE(c.made);
  for (const char* node : {"core", "edge"}) ASSERT_TRUE(c.ready(node)) << node << c.report();
  EXPECT_TRUE(c.nodes.at("core")->wait_for_error_output("\"address\":\"core:", 5s)) << c.report();
  auto r = gateway_test::post(c.http, "/add", R"({"v":1})");
  EXPECT_EQ(r.status, 200) << r.body << c.report();
  EXPECT_TRUE(c.stop()) << c.report();
}

TEST(deploy_containers_run, shop_nodes_dial_each_other_by_service_name) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: a mount namespace per node (unshare -m)";
  std::vector<std::string> names{"edge",       "main",       "orders-a",     "orders-b",
                                 "products-a", "products-b", "notifications"};
  container_cluster c{shop_step5, "shop", names, {"users", "orders", "products", "notifications"}};
  ASSERT_TRUE(c.made);
  for (const auto& node : names) ASSERT_TRUE(c.ready(node)) << node << c.report();
  auto r = gateway_test::post(c.http, "/users", R"({"name":"Ann","email":"ann@example.org"})");
  EXPECT_EQ(r.status, 201) << r.body << c.report();
  r = gateway_test::post(c.http, "/products", R"({"name":"tea","price_cents":350,"stock":2})");
  EXPECT_EQ(r.status, 201) << r.body << c.report();
  EXPECT_TRUE(c.stop()) << c.report();
}

// -- refusals -----------------------------------------------------------------

run_result deploy_text(const std::string& placement, const std::string& target,
                       std::vector<std::string> more = {}) {
  temp_dir dir;
  auto file = dir.write("p.json", placement);
  auto r = deploy(file, target, dir.path() + "/out", std::move(more));
  // Errors name the placement file first, as other placement errors do.
  if (r.code != 0) EXPECT_TRUE(contains(r.err, "cleave: " + file + ": ")) << r.report;
  return r;
}

const char* two_stores = R"({
  "app": "banano",
  "nodes": {"front": {"port": 7100}, "store-a": {"port": 7101}, "store_a": {"port": 7102}},
  "components": {"banano-driver": {"node": "front"}, "thingey-repo": {"node": "front"},
                 "thingey-audit": {"node": "front"}, "thingey-store": {"node": "store-a"}}
})";

TEST(deploy_refuses, service_names_that_collide_in_containers) {
  for (const char* target : {"compose", "kubernetes"}) {
    auto r = deploy_text(two_stores, target);
    EXPECT_EQ(r.code, 2) << r.report;
    EXPECT_TRUE(contains(r.err, ": nodes.store_a: service name \"store-a\"")) << r.err;
    EXPECT_TRUE(contains(r.err, "is node \"store-a\"'s too")) << r.err;
  }
  EXPECT_EQ(deploy_text(two_stores, "systemd").code, 0) << "systemd needs no service names";
}

TEST(deploy_refuses, a_kubernetes_service_name_that_starts_with_a_digit) {
  std::string p = two_stores;
  p.replace(p.find("\"store_a\""), 9, "\"1store\"");
  auto r = deploy_text(p, "kubernetes");
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err,
                       "nodes.1store: node name \"1store\" gives service name \"1store\", "
                       "expected a DNS label (a letter first"))
      << r.err;
  EXPECT_EQ(deploy_text(p, "compose").code, 0) << "a DNS-1123 label may start with a digit";
}

TEST(deploy_refuses, ports_bound_twice_on_one_host_for_systemd) {
  auto r = deploy(banano_split, "systemd", temp_dir{}.path() + "/out",
                  {"--set", "nodes.front.admin=127.0.0.1:7101"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, banano_split + ": nodes.store.port: port 7101 on host 127.0.0.1 is "
                                             "also nodes.front.admin's"))
      << r.err;
  // localhost is the same machine as 127.0.0.1.
  r = deploy(banano_split, "systemd", temp_dir{}.path() + "/out",
             {"--set", "nodes.store.admin=localhost:7100"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, "nodes.store.admin: port 7100 on host 127.0.0.1")) << r.err;
  // A wildcard address takes the port on every address of the machine.
  r = deploy(banano_split, "systemd", temp_dir{}.path() + "/out",
             {"--set", "nodes.front.admin=0.0.0.0:7101"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err,
                       "nodes.store.port: port 7101 on host 127.0.0.1 is also "
                       "nodes.front.admin's"))
      << r.err;
  // Nodes on other machines may use the same ports.
  r = deploy(banano_split, "systemd", temp_dir{}.path() + "/out",
             {"--set", "nodes.store.host=10.0.0.5", "--set", "nodes.store.port=7100", "--set",
              "nodes.store.admin=10.0.0.5:7101", "--set", "nodes.front.admin=127.0.0.1:7101"});
  EXPECT_EQ(r.code, 0) << r.report;
}

TEST(deploy_refuses, ports_bound_twice_in_one_container) {
  auto r = deploy(source_dir + "/configs/shop/monolith.json", "kubernetes",
                  temp_dir{}.path() + "/out", {"--admin-port", "8082"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err,
                       "components.gateway.config.listen: port 8082 in node \"main\"'s "
                       "container is also nodes.main.admin's"))
      << r.err;
}

TEST(deploy_refuses, a_replicated_gateway_published_twice_by_compose) {
  temp_dir dir;
  auto text = read(counter_split);
  text.replace(text.find("\"node\": \"edge\""), 14,
               R"("nodes": ["edge", "core"], "balance": "round-robin")");
  auto file = dir.write("split.json", text);
  auto r = deploy(file, "compose", dir.path() + "/out");
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(
      contains(r.err, file + ": components.gateway.config.listen: port 8080 on the Docker "
                             "host (published) is also components.gateway.config.listen's (on node "
                             "\"edge\")"))
      << r.err;
  EXPECT_EQ(deploy(file, "kubernetes", dir.path() + "/k8s").code, 0) << "each pod has its own";
}

TEST(deploy_refuses, a_state_file_outside_the_state_folder) {
  auto r = deploy(shop_step5, "systemd", temp_dir{}.path() + "/out",
                  {"--set", "components.users.state=/srv/users.db"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, shop_step5 + ": components.users.state: found \"/srv/users.db\", "
                                           "expected a path inside /var/lib/cleave-shop"))
      << r.err;
  r = deploy(shop_step5, "compose", temp_dir{}.path() + "/out",
             {"--set", "components.users.state=../users.db"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err,
                       "components.users.state: found \"../users.db\", expected a path "
                       "inside /var/lib/cleave"))
      << r.err;
}

TEST(deploy_refuses, a_bad_command_line) {
  auto r = run({bin_dir + "/cleave", "deploy", counter_split, "--to", "nomad"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--to: found \"nomad\", expected systemd, compose or kubernetes"))
      << r.err;
  r = run({bin_dir + "/cleave", "deploy", counter_split});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--to systemd|compose|kubernetes is required")) << r.err;
  r = run({bin_dir + "/cleave", "deploy", counter_split, "--to", "systemd", "--bin-dir", "bin"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--bin-dir: found \"bin\", expected an absolute path")) << r.err;
  r = run({bin_dir + "/cleave", "deploy", counter_split, "--to", "systemd", "--set",
           "components.counter.node=nowhere"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, counter_split + ": components.counter.node: found \"nowhere\""))
      << r.err;
}

// -- replicas -----------------------------------------------------------------

/// Banano with a registry and an unkeyed store without a state file.
const char* registry_banano = R"({
  "app": "banano",
  "registry": {"etcd": "${CLEAVE_ETCD:-http://etcd:2379}"},
  "nodes": {"front": {"port": 7150}, "store": {"port": 7151}},
  "components": {"banano-driver": {"node": "front"}, "thingey-repo": {"node": "front"},
                 "thingey-audit": {"node": "front"}, "thingey-store": {"node": "store"}}
})";

TEST(deploy_replicas, run_pods_of_an_unkeyed_stateless_node_as_registered_instances) {
  temp_dir dir;
  auto file = dir.write("registry.json", registry_banano);
  auto out = dir.path() + "/k8s";
  auto r = deploy(file, "kubernetes", out, {"--replicas", "store=3"});
  ASSERT_EQ(r.code, 0) << r.report;
  auto checked = check("kubernetes", out);
  EXPECT_EQ(checked.code, 0) << checked.report;
  auto text = read(out + "/kubernetes.yaml");
  auto store = text.find("kind: Deployment\nmetadata:\n  name: store\n");
  ASSERT_NE(store, std::string::npos) << text;
  auto deployment = text.substr(store);
  EXPECT_TRUE(contains(deployment, "  replicas: 3\n  strategy:\n    type: RollingUpdate\n"))
      << deployment;
  EXPECT_TRUE(contains(deployment,
                       "            - \"--set\"\n            - "
                       "\"nodes.store.host=$(POD_IP)\"\n"))
      << deployment;
  EXPECT_TRUE(contains(deployment,
                       "            - name: POD_IP\n              valueFrom:\n"
                       "                fieldRef:\n"
                       "                  fieldPath: status.podIP\n"))
      << deployment;
  auto front = text.substr(0, store);
  EXPECT_TRUE(contains(front, "  replicas: 1\n  strategy:\n    type: Recreate\n")) << front;
}

TEST(deploy_replicas, are_refused_where_pods_would_not_be_interchangeable) {
  auto r = deploy(source_dir + "/configs/banano/step5-registry.json", "kubernetes",
                  temp_dir{}.path() + "/out", {"--replicas", "store=3"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err,
                       "step5-registry.json: components.thingey-store.route_by: --replicas "
                       "store=3: \"thingey-store\" is keyed"))
      << r.err;
  r = deploy(banano_split, "kubernetes", temp_dir{}.path() + "/out", {"--replicas", "store=2"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, banano_split + ": registry: --replicas store=2: missing, expected a "
                                             "registry"))
      << r.err;
  temp_dir dir;
  auto file = dir.write("registry.json", registry_banano);
  r = deploy(file, "kubernetes", dir.path() + "/out",
             {"--replicas", "store=2", "--set", "components.thingey-store.state=s-{node}.db"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, file + ": components.thingey-store.state: --replicas store=2: "
                                     "\"thingey-store\" keeps a state file"))
      << r.err;
  r = deploy(file, "compose", dir.path() + "/out", {"--replicas", "store=2"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, "--replicas store=2: replica counts are for --to kubernetes only"))
      << r.err;
  r = deploy(file, "kubernetes", dir.path() + "/out", {"--replicas", "stor=2"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, file + ": nodes: --replicas stor=2: no node \"stor\"")) << r.err;
  r = deploy(file, "kubernetes", dir.path() + "/out", {"--replicas", "store=0"});
  EXPECT_EQ(r.code, 2) << r.report;
  EXPECT_TRUE(contains(r.err, "expected a count of pods from 1 to 1000")) << r.err;
}

// -- what the files say ---------------------------------------------------------

TEST(deploy_files, a_key_passphrase_is_passed_by_name_never_written) {
  temp_dir dir;
  std::vector<std::string> pass{"--set", "security.key_passphrase_env=KEYPASS"};
  auto k8s = dir.path() + "/k8s";
  ASSERT_EQ(deploy(counter_split, "kubernetes", k8s, pass).code, 0);
  EXPECT_EQ(check("kubernetes", k8s).code, 0);
  auto manifest = read(k8s + "/kubernetes.yaml");
  EXPECT_TRUE(contains(manifest,
                       "            - name: KEYPASS\n              valueFrom:\n"
                       "                secretKeyRef:\n"
                       "                  name: counter-key-passphrase\n"))
      << manifest;
  auto script = read(k8s + "/secrets.sh");
  EXPECT_TRUE(contains(script, "--from-literal=passphrase=\"${KEYPASS:?")) << script;
  EXPECT_EQ(run({"sh", "-n", k8s + "/secrets.sh"}).code, 0);
  auto compose = dir.path() + "/compose";
  ASSERT_EQ(deploy(counter_split, "compose", compose, pass).code, 0);
  EXPECT_TRUE(contains(read(compose + "/docker-compose.yml"), "KEYPASS: \"${KEYPASS}\"\n"));
  auto sd = dir.path() + "/sd";
  ASSERT_EQ(deploy(counter_split, "systemd", sd, pass).code, 0);
  EXPECT_TRUE(contains(read(sd + "/cleave-counter-core.service"),
                       "EnvironmentFile=/etc/cleave/counter/counter-passphrase.env\n"));
  EXPECT_EQ(check("systemd", sd).code, 0);
}

TEST(deploy_files, containers_dial_service_names_and_bind_what_must_be_reached) {
  temp_dir dir;
  auto out = dir.path() + "/out";
  ASSERT_EQ(deploy(source_dir + "/configs/shop/step3.json", "compose", out).code, 0);
  auto placement = read(out + "/placement.json");
  EXPECT_TRUE(contains(placement,
                       "\"products\": {\n      \"host\": \"products\",\n      \"port\": "
                       "7301,\n      \"admin\": \"0.0.0.0:9901\""))
      << placement;
  EXPECT_TRUE(contains(placement, "\"listen\": \"0.0.0.0:8082\"")) << placement;
  EXPECT_TRUE(contains(placement, "\"state\": \"/var/lib/cleave/data/products.db\"")) << placement;
  EXPECT_TRUE(contains(placement, "\"certs\": \"/etc/cleave/certs\"")) << placement;
  EXPECT_FALSE(contains(placement, "PRODUCTS_HOST")) << "a rewritten host keeps no variable";
  auto compose = read(out + "/docker-compose.yml");
  EXPECT_TRUE(contains(compose, "    hostname: products\n")) << compose;
  EXPECT_TRUE(contains(compose, "      - \"8082:8082\"\n")) << compose;
  EXPECT_TRUE(contains(compose, "      - products-state:/var/lib/cleave\n")) << compose;
}

TEST(deploy_files, the_environment_gives_each_variable_its_value) {
  temp_dir dir;
  auto out = dir.path() + "/out";
  auto r = run({bin_dir + "/cleave", "deploy", source_dir + "/configs/shop/events-nats.json",
                "--to", "systemd", "--out", out},
               {{"NATS_URL", "nats://10.0.0.9:4222"}});
  ASSERT_EQ(r.code, 0) << r.report;
  auto env = environment_file(out + "/shop.env");
  EXPECT_EQ(env["NATS_URL"], "nats://10.0.0.9:4222");
  EXPECT_EQ(env["SHOP_HTTP"], "127.0.0.1:8082");
  EXPECT_EQ(env.count("DATA_DIR"), 0u) << "state paths were moved into the state folder";
  auto k8s = dir.path() + "/k8s";
  r = deploy(source_dir + "/configs/shop/events-nats.json", "kubernetes", k8s);
  ASSERT_EQ(r.code, 0) << r.report;
  EXPECT_TRUE(contains(r.err, "note: topics.order-created.url is 127.0.0.1")) << r.report;
  EXPECT_TRUE(contains(read(k8s + "/kubernetes.yaml"),
                       "            - name: NATS_URL\n              value: "
                       "nats://127.0.0.1:4222\n"))
      << read(k8s + "/kubernetes.yaml");
}

}  // namespace
