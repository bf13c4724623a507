// The Shop and Banano on several "hosts": scripts/netlab puts each node of a placement in a network
// namespace of its own, with its own address and a hosts file naming the others, and the test's
// client in one more ("client"). What runs there is what a deployment on several machines runs:
// the app binary, certificates made by `cleave certs`, node hosts as names, and (for Banano) an
// etcd registry in a namespace of its own.
//
// Needs root (network namespaces, iptables); skipped otherwise. Every lab has a name of its own,
// so the tests may run at the same time; each is bounded in time and removes its lab, whatever
// failed, and checks that nothing of it is left.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/component/detail/replicas.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "tests/actors/shop/running_shop.hpp"
#include "tests/actors/shop/scenario.hpp"
#include "tests/runtime/gateway/http_client.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using cleave_test::process;
using cleave_test::temp_dir;
using gateway_test::http_reply;

const std::string source_dir = CLEAVE_SOURCE_DIR;
const std::string bin_dir = CLEAVE_BIN_DIR;
const std::string netlab = source_dir + "/scripts/netlab";

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

/// Runs `argv` to its end (at most 30 s) and returns its exit code and output.
std::pair<int, std::string> run(std::vector<std::string> argv,
                                std::map<std::string, std::string> env = {}) {
  process p{std::move(argv), std::move(env)};
  auto code = p.wait(30s);
  if (!code) p.signal(SIGKILL);
  return {code.value_or(-1), p.output() + p.errors()};
}

/// What is left of lab `name`: its namespaces, hosts files and state, "" if nothing.
std::string leftovers(const std::string& name) {
  std::string out;
  auto prefix = "clab-" + name + "-";
  auto [code, list] = run({"ip", "netns", "list"});
  std::istringstream lines{list};
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) out += "namespace " + line + "\n";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator{"/etc/netns", ec})
    if (entry.path().filename().string().rfind(prefix, 0) == 0)
      out += "hosts folder " + entry.path().string() + "\n";
  if (std::filesystem::exists("/run/cleave-netlab/" + name)) out += "state of lab " + name + "\n";
  return out;
}

/// A running `scripts/netlab up`: its output goes to a file (a node's log lines must never wait
/// for the test to read a pipe), and it is stopped with SIGTERM as Ctrl-C would.
class lab {
 public:
  lab(const std::string& placement, std::vector<std::string> args,
      std::map<std::string, std::string> env = {})
      : name_("t" + std::to_string(::getpid() % 100000) + std::to_string(counter()++)),
        log_(dir_.path() + "/netlab.log") {
    // The certificates of a deployment: made once by `cleave certs`, given in the placement.
    auto certs = dir_.path() + "/certs";
    auto [code, out] = run({bin_dir + "/cleave", "certs", placement, "--out", certs});
    if (code != 0) throw std::runtime_error("cleave certs failed: " + out);
    std::vector<std::string> argv{"/bin/sh",
                                  "-c",
                                  R"(exec "$0" "$@" >"$NETLAB_LOG" 2>&1)",
                                  netlab,
                                  "up",
                                  placement,
                                  "--lab",
                                  name_,
                                  "--set",
                                  "security.certs=" + certs};
    argv.insert(argv.end(), args.begin(), args.end());
    env["NETLAB_LOG"] = log_;
    env["CLEAVE_BIN_DIR"] = bin_dir;
    env["DATA_DIR"] = dir_.path() + "/data";
    process_ = std::make_unique<process>(std::move(argv), std::move(env));
  }

  ~lab() {
    if (process_->running()) {
      process_->signal(SIGTERM);
      if (!process_->wait(40s)) process_->signal(SIGKILL);
    }
    // A lab whose netlab was killed: what `netlab down` is for.
    if (!leftovers(name_).empty()) run({netlab, "down", "--lab", name_});
  }

  lab(const lab&) = delete;
  lab& operator=(const lab&) = delete;

  const std::string& name() const { return name_; }
  /// The lab's own folder (certificates, data, log), named on every node's command line.
  std::string dir() const { return dir_.path(); }
  process& netlab_process() { return *process_; }
  std::string log() const { return read_text(log_); }
  std::string report() const { return "netlab output:\n" + log() + process_->report(); }

  /// The lab's address of `host`, "" until the lab has made it.
  std::string address(const std::string& host) const {
    std::istringstream lines{read_text("/run/cleave-netlab/" + name_ + "/hosts")};
    std::string ip;
    std::string name;
    while (lines >> ip >> name)
      if (name == host) return ip;
    return {};
  }

  /// scripts/netlab COMMAND --lab NAME ARGS...: its exit code and output.
  std::pair<int, std::string> command(const std::string& cmd, std::vector<std::string> args) {
    std::vector<std::string> argv{netlab, cmd, "--lab", name_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv), {{"CLEAVE_BIN_DIR", bin_dir}});
  }

  /// Runs `f` on a thread of its own inside `host`'s namespace (its sockets are made there).
  template <class F>
  auto inside(const std::string& host, F f) const -> decltype(f()) {
    decltype(f()) result{};
    std::string error;
    std::thread t{[&] {
      auto path = "/var/run/netns/clab-" + name_ + "-" + host;
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        error = "cannot enter " + path;
        if (fd >= 0) ::close(fd);
        return;
      }
      ::close(fd);
      result = f();
    }};
    t.join();
    if (!error.empty()) throw std::runtime_error(error);
    return result;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }

  temp_dir dir_;
  std::string name_;
  std::string log_;
  std::unique_ptr<process> process_;
};

bool root() {
  return ::geteuid() == 0;
}

/// Shop step 5 in a lab, its gateway on every address of the edge namespace at port 8082.
class shop_lab {
 public:
  shop_lab() : lab_(source_dir + "/configs/shop/step5.json", {}, {{"SHOP_HTTP", "0.0.0.0:8082"}}) {}

  lab& net() { return lab_; }

  http_reply send(const std::string& method, const std::string& target,
                  const std::string& body = {}) const {
    return lab_.inside("client", [&] {
      gateway_test::http_call call;
      call.method = method;
      call.target = target;
      call.body = body;
      call.host = edge_;
      return gateway_test::http(8082, call);
    });
  }

  /// Waits (at most 60 s) until the gateway answers /readyz with 200 from the client namespace.
  bool ready() {
    auto deadline = clock_type::now() + 60s;
    while (clock_type::now() < deadline) {
      if (edge_.empty()) edge_ = lab_.address("edge");
      try {
        if (!edge_.empty() && send("GET", "/readyz").status == 200) return true;
      } catch (const std::runtime_error&) {
        // The hosts file is written before the namespaces are made.
      }
      if (!lab_.netlab_process().running()) return false;
      std::this_thread::sleep_for(50ms);  // a poll interval
    }
    return false;
  }

 private:
  lab lab_;
  std::string edge_;
};

TEST(netlab, shop_step5_across_namespaces_answers_as_the_monolith_does) {
  if (!root()) GTEST_SKIP() << "needs root: network namespaces";
  shop_lab shop;
  ASSERT_TRUE(shop.ready()) << shop.net().report();
  EXPECT_EQ(shop.net().address("orders-a").rfind("10.77.0.", 0), 0u) << shop.net().report();
  auto transcript = shop_test::run_scenario(
      [&](const std::string& method, const std::string& target, const std::string& body) {
        return shop.send(method, target, body);
      });
  EXPECT_EQ(transcript, shop_test::read_file(shop_test::scenario_expected_file()))
      << shop.net().report();
  // Each node listened on its own host's address, reached by name.
  auto log = shop.net().log();
  for (const char* line : {R"("address":"orders-a:7322")", R"("address":"products-b:7325")"})
    EXPECT_NE(log.find(line), std::string::npos) << line << "\n" << shop.net().report();
}

/// A product of each products replica: ids made by the shop, placed by the callers' key ring.
struct products_by_replica {
  std::string on_a;
  std::string on_b;
};

TEST(netlab, a_killed_node_and_a_cut_off_namespace_are_survived_as_the_guarantees_say) {
  if (!root()) GTEST_SKIP() << "needs root: network namespaces and iptables";
  shop_lab shop;
  ASSERT_TRUE(shop.ready()) << shop.net().report();
  cleave::detail::key_ring ring{{"products-a", "products-b"}};
  products_by_replica p;
  for (int i = 0; i < 8 && (p.on_a.empty() || p.on_b.empty()); ++i) {
    auto made = shop.send("POST", "/products", R"({"name":"tea","price_cents":350,"stock":5})");
    ASSERT_EQ(made.status, 201) << made.body << shop.net().report();
    auto at = made.body.find(R"("id":")");
    ASSERT_NE(at, std::string::npos) << made.body;
    auto id = made.body.substr(at + 6, made.body.find('"', at + 6) - at - 6);
    (ring.owner(id) == 0 ? p.on_a : p.on_b) = id;
  }
  ASSERT_FALSE(p.on_a.empty() || p.on_b.empty()) << "8 products, all on one replica";
  auto before = shop.send("GET", "/products/" + p.on_a).body;

  // kill -9 of products-a: its keys fail with 503 (504 for a call it had) until `cleave up` has
  // restarted it, the other replica's keys never fail, and its records are there afterwards.
  auto [killed, kill_out] = shop.net().command("kill", {"products-a"});
  ASSERT_EQ(killed, 0) << kill_out;
  auto t_kill = clock_type::now();
  double first_failure_ms = -1;
  double back_ms = -1;
  std::map<int, int> statuses_a;
  int failed_b = 0;
  while (clock_type::now() - t_kill < 30s) {
    auto a = shop.send("GET", "/products/" + p.on_a);
    ++statuses_a[a.status];
    if (a.status != 200 && first_failure_ms < 0) first_failure_ms = ms_since(t_kill);
    if (a.status == 200 && first_failure_ms >= 0) {
      back_ms = ms_since(t_kill);
      break;
    }
    if (shop.send("GET", "/products/" + p.on_b).status != 200) ++failed_b;
  }
  for (const auto& [status, n] : statuses_a)
    EXPECT_TRUE(status == 200 || status == 503 || status == 504) << status << " x" << n;
  EXPECT_EQ(failed_b, 0) << "the other replica's keys failed";
  ASSERT_GT(back_ms, 0) << "products-a was not back within 30 s\n" << shop.net().report();
  EXPECT_EQ(shop.send("GET", "/products/" + p.on_a).body, before);
  std::printf(
      "[ figures  ] kill -9 products-a: first failed call %.0f ms after, back %.0f ms after "
      "(statuses of its keys:",
      first_failure_ms, back_ms);
  for (const auto& [status, n] : statuses_a) std::printf(" %d x%d", status, n);
  std::printf(")\n");

  // products-b's namespace cut off (iptables DROP on its interface, both ways): its keys fail
  // with 504 while the failure detector has not given up on it and 503 once it has
  // (defaults.connection_timeout_ms, 3 s), the other keys keep working; healed, it serves again.
  auto [cut, cut_out] = shop.net().command("cut", {"products-b"});
  ASSERT_EQ(cut, 0) << cut_out;
  auto t_cut = clock_type::now();
  double first_503_ms = -1;
  std::map<int, int> statuses_b;
  int failed_a = 0;
  while (clock_type::now() - t_cut < 20s) {
    auto b = shop.send("GET", "/products/" + p.on_b);
    ++statuses_b[b.status];
    if (b.status == 503) {
      first_503_ms = ms_since(t_cut);
      break;
    }
    if (shop.send("GET", "/products/" + p.on_a).status != 200) ++failed_a;
  }
  EXPECT_EQ(failed_a, 0) << "the reachable replica's keys failed during the cut";
  EXPECT_EQ(statuses_b.count(200), 0u) << "a cut-off replica answered";
  ASSERT_GT(first_503_ms, 0) << "no 503 within 20 s of the cut\n" << shop.net().report();
  // connection_timeout_ms (3 s) after the last heartbeat, plus the call that was waiting.
  EXPECT_LT(first_503_ms, 6000);
  auto b_503_fast = clock_type::now();
  auto quick = shop.send("GET", "/products/" + p.on_b);
  EXPECT_EQ(quick.status, 503) << quick.body;
  EXPECT_LT(ms_since(b_503_fast), 500) << "a known-down replica fails calls at once";
  EXPECT_EQ(quick.body.find("products-b"), std::string::npos) << "no node names for clients";

  auto [healed, heal_out] = shop.net().command("heal", {"products-b"});
  ASSERT_EQ(healed, 0) << heal_out;
  auto t_heal = clock_type::now();
  double healed_ms = -1;
  while (clock_type::now() - t_heal < 20s) {
    if (shop.send("GET", "/products/" + p.on_b).status == 200) {
      healed_ms = ms_since(t_heal);
      break;
    }
    std::this_thread::sleep_for(20ms);  // a poll interval
  }
  EXPECT_GT(healed_ms, 0) << "products-b not back within 20 s of the heal\n" << shop.net().report();
  std::printf("[ figures  ] cut products-b: first 503 %.0f ms after the cut (statuses before:",
              first_503_ms);
  for (const auto& [status, n] : statuses_b) std::printf(" %d x%d", status, n);
  std::printf("); healed: first 200 %.0f ms after\n", healed_ms);
}

TEST(netlab, banano_finds_its_store_through_etcd_in_another_namespace) {
  if (!root()) GTEST_SKIP() << "needs root: network namespaces";
  auto placement = source_dir + "/configs/banano/step5-registry.json";
  process monolith{
      {bin_dir + "/banano", "--placement", source_dir + "/configs/banano/monolith.json"}};
  ASSERT_EQ(monolith.wait(30s), 0) << monolith.report();
  lab net{placement, {"--etcd", "--set", "registry.lease_ttl_s=2"}};
  // The front runs its driver once and exits 0; its six lines come out prefixed with its name.
  auto deadline = clock_type::now() + 60s;
  const std::string exited = "cleave: node front finished";
  while (net.log().find(exited) == std::string::npos && clock_type::now() < deadline &&
         net.netlab_process().running())
    std::this_thread::sleep_for(50ms);  // a poll interval
  auto log = net.log();
  ASSERT_NE(log.find(exited), std::string::npos) << net.report();
  std::string front;
  std::istringstream lines{log};
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("front ", 0) != 0) continue;
    auto text = line.substr(line.find("| ") + 2);
    if (text.rfind("{\"time\"", 0) != 0) front += text + "\n";
  }
  EXPECT_EQ(front, monolith.output()) << net.report();
  // Both nodes registered in the etcd of the "etcd" namespace under their host names, and the
  // front followed the registry to the store.
  EXPECT_NE(log.find(R"("msg":"registry: registered")"), std::string::npos) << net.report();
  EXPECT_NE(log.find("store@store:7151"), std::string::npos) << net.report();
  auto [code, status] = net.command("status", {});
  EXPECT_EQ(code, 0) << status;
  EXPECT_NE(status.find("registry etcd:2379: 1 instance registered"), std::string::npos) << status;
  EXPECT_NE(status.find("instance store@store:7151"), std::string::npos) << status;

  // The store's host cut off: it can no longer renew its lease, and etcd drops it when the lease
  // (2 s here) lapses; callers following the registry stop seeing it then.
  auto [cut, cut_out] = net.command("cut", {"store"});
  ASSERT_EQ(cut, 0) << cut_out;
  auto t_cut = clock_type::now();
  double gone_ms = -1;
  // etcd's v3 JSON gateway, asked from the client's host: how many instances are registered
  // (keys base64: "/cleave/banano/instances/" up to "/cleave/banano/instances0").
  const std::string range =
      R"({"key":"L2NsZWF2ZS9iYW5hbm8vaW5zdGFuY2VzLw==","range_end":"L2NsZWF2ZS9iYW5hbm8vaW5zdGFuY2VzMA==","count_only":true})";
  while (clock_type::now() - t_cut < 15s) {
    auto [polled, now] = net.command(
        "exec", {"client", "curl", "-s", "-m", "1", "http://etcd:2379/v3/kv/range", "-d", range});
    // A count of 0 is left out of etcd's JSON answer.
    if (polled == 0 && now.find("\"header\"") != std::string::npos &&
        now.find("\"count\"") == std::string::npos) {
      gone_ms = ms_since(t_cut);
      break;
    }
    std::this_thread::sleep_for(100ms);  // a poll interval
  }
  ASSERT_GT(gone_ms, 0) << "the cut-off store stayed registered for 15 s\n" << net.report();
  EXPECT_GE(gone_ms, 1000) << "left before its lease could lapse";
  std::printf("[ figures  ] store cut off: gone from the registry %.0f ms after (2 s lease)\n",
              gone_ms);
  auto [healed, heal_out] = net.command("heal", {"store"});
  EXPECT_EQ(healed, 0) << heal_out;
}

TEST(netlab, removes_everything_it_made_when_interrupted_or_after_a_kill) {
  if (!root()) GTEST_SKIP() << "needs root: network namespaces";
  std::string name;
  {
    shop_lab shop;
    ASSERT_TRUE(shop.ready()) << shop.net().report();
    name = shop.net().name();
    EXPECT_FALSE(leftovers(name).empty());
    auto [code, list] = run({netlab, "list"});
    EXPECT_NE(list.find(name), std::string::npos) << list;
    shop.net().netlab_process().signal(SIGINT);
    EXPECT_EQ(shop.net().netlab_process().wait(40s), 0) << shop.net().report();
    EXPECT_EQ(leftovers(name), "") << shop.net().report();
    EXPECT_NE(shop.net().log().find("removed"), std::string::npos) << shop.net().report();
  }
  // netlab itself killed with -9: `netlab down` removes what it left, `cleave up` and nodes too.
  shop_lab shop;
  ASSERT_TRUE(shop.ready()) << shop.net().report();
  name = shop.net().name();
  auto dir = shop.net().dir();
  shop.net().netlab_process().signal(SIGKILL);
  ASSERT_TRUE(shop.net().netlab_process().wait(10s)) << shop.net().report();
  EXPECT_FALSE(leftovers(name).empty());
  auto [code, out] = shop.net().command("down", {});
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(leftovers(name), "");
  auto [ps_code, ps] = run({"ps", "-eo", "args"});
  EXPECT_EQ(ps.find("clab-" + name + "-"), std::string::npos) << "cleave up left\n" << ps;
  EXPECT_EQ(ps.find(dir), std::string::npos) << "a node left\n" << ps;
}

}  // namespace
