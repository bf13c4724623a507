// Node hosts may be names: the runtime resolves a node's host every time it connects to it
// (runtime/transport/detail/guarded_io.cpp, dial) and every time a node starts listening, so a
// caller that lost a node follows its name to wherever it points when the node comes back.
//
// The test changes what a name resolves to without touching the machine: the test process enters
// a mount namespace of its own (private propagation) while it is still single-threaded, and
// bind-mounts files of its own over /etc/hosts and /etc/nsswitch.conf there ("hosts: files", so
// that no lookup leaves the machine). Every thread it starts later (the caller node in-process)
// and every node process it starts inherits that view; the machine's files are never written, and
// the namespace ends with the process. Needs root (CAP_SYS_ADMIN); skipped otherwise.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/core/error.hpp"
#include "runtime/gateway/errors.hpp"
#include "runtime/node/ask_node.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;
using cleave_test::cluster;
using cleave_test::temp_dir;
using clock_type = std::chrono::steady_clock;

const std::string test_app_bin = std::string{CLEAVE_BIN_DIR} + "/cleave_test_app";
constexpr auto child_deadline = 10s;
constexpr std::chrono::milliseconds status_deadline{2000};

/// The name node "far" is placed at, and one that never resolves.
const std::string far_name = "echo.cleave.test";
const std::string unknown_name = "nowhere.cleave.test";

// -- a private view of the resolver's files -------------------------------------------------------

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

/// Threads of this process now.
int thread_count() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/// /etc/hosts and /etc/nsswitch.conf as this process (and its children) see them: files of the
/// test's own, bind-mounted in a mount namespace of the test's own. Entered once per process.
class private_resolver {
 public:
  enum class state { ready, skipped, failed };

  /// The process-wide instance, entering the namespace on first use.
  static private_resolver& get() {
    static private_resolver instance;
    return instance;
  }

  state status() const { return state_; }
  const std::string& why() const { return why_; }

  /// Makes far_name resolve to `ip` (and nothing else change), writing the test's hosts file in
  /// place: the mount holds its inode, so a new file would not be seen.
  std::string map_far_name(const std::string& ip) {
    auto text = hosts_text(ip);
    struct stat mounted {};
    struct stat mine {};
    if (::stat("/etc/hosts", &mounted) != 0 || ::fstat(hosts_fd_, &mine) != 0 ||
        !same_file(mounted, mine))
      return "/etc/hosts is no longer the test's own file";
    if (::pwrite(hosts_fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()) ||
        ::ftruncate(hosts_fd_, static_cast<off_t>(text.size())) != 0)
      return errno_text("writing the test's hosts file");
    return {};
  }

 private:
  private_resolver() { enter(); }

  static std::string hosts_text(const std::string& far_ip) {
    return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + far_ip + "\t" +
           far_name + "\n";
  }

  /// The machine's nsswitch.conf with host names looked up in files only.
  static std::string nsswitch_text() {
    std::ifstream in{"/etc/nsswitch.conf"};
    std::string out;
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("hosts:", 0) != 0) out += line + "\n";
    return out + "hosts:          files\n";
  }

  void skip(std::string why) {
    state_ = state::skipped;
    why_ = std::move(why);
  }

  void fail(std::string why) {
    state_ = state::failed;
    why_ = std::move(why);
  }

  void enter() {
    // A mount namespace is per thread: entered now, it is every later thread's and child's. With
    // other threads running, they would keep reading the machine's files.
    if (int n = thread_count(); n != 1) {
      fail("the process runs " + std::to_string(n) +
           " threads before entering its mount namespace: only this one would be in it");
      return;
    }
    if (::unshare(CLONE_NEWNS) != 0) {
      if (errno == EPERM || errno == ENOSYS || errno == EINVAL)
        skip(
            errno_text("no mount namespace of its own (needs root or CAP_SYS_ADMIN): "
                       "unshare(CLONE_NEWNS)"));
      else
        fail(errno_text("unshare(CLONE_NEWNS)"));
      return;
    }
    // Without this, mounts made here could propagate to the machine's namespace (a shared "/").
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      fail(errno_text("mount --make-rprivate /"));
      return;
    }
    struct stat machine_hosts {};
    if (::stat("/etc/hosts", &machine_hosts) != 0) {
      fail(errno_text("stat /etc/hosts"));
      return;
    }
    auto ns_text = nsswitch_text();
    int nsswitch_fd = -1;
    if (auto err = bind_own_file("/etc/nsswitch.conf", ns_text, nsswitch_fd); !err.empty()) {
      fail(err);
      return;
    }
    ::close(nsswitch_fd);
    if (auto err = bind_own_file("/etc/hosts", hosts_text("127.0.0.1"), hosts_fd_); !err.empty()) {
      fail(err);
      return;
    }
    // The machine's view (as our parent sees it) must be unchanged.
    struct stat parent_view {};
    auto parent_hosts = "/proc/" + std::to_string(::getppid()) + "/root/etc/hosts";
    if (::stat(parent_hosts.c_str(), &parent_view) == 0 && !same_file(parent_view, machine_hosts)) {
      fail("the machine's /etc/hosts changed (seen through " + parent_hosts + ")");
      return;
    }
    state_ = state::ready;
  }

  /// Writes `text` to a new file, mounts it over `target` (in this namespace only) and removes
  /// its name: only the mount holds it, so nothing is left behind. `fd` stays open on it.
  static std::string bind_own_file(const std::string& target, const std::string& text, int& fd) {
    std::string path = "/tmp/cleave-dns-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return errno_text("mkostemp " + path);
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                   ::fchmod(fd, 0644) == 0;
    bool mounted = written && ::mount(path.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) == 0;
    auto err = mounted ? std::string{} : errno_text("bind-mounting a file over " + target);
    ::unlink(path.c_str());
    if (!mounted) return err;
    struct stat seen {};
    struct stat mine {};
    if (::stat(target.c_str(), &seen) != 0 || ::fstat(fd, &mine) != 0 || !same_file(seen, mine))
      return target + ": the bind mount is not what the path shows";
    return {};
  }

  state state_ = state::failed;
  std::string why_;
  int hosts_fd_ = -1;
};

/// The IPv4 addresses `name` resolves to in this process now, e.g. "127.0.0.2"; or the error.
std::string resolve(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found); rc != 0)
    return std::string{"error: "} + ::gai_strerror(rc);
  std::string out;
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, text, sizeof text);
    out += (out.empty() ? "" : " ") + std::string{text};
  }
  ::freeaddrinfo(found);
  return out;
}

/// True if a TCP socket of this network namespace listens on `ip`:`port` (read from
/// /proc/net/tcp, so that the node sees no connection).
bool listening_on(const std::string& ip, uint16_t port) {
  in_addr addr{};
  if (::inet_pton(AF_INET, ip.c_str(), &addr) != 1) return false;
  char local[32];
  // The kernel prints the address as the 32-bit word it stores, in host byte order.
  std::snprintf(local, sizeof local, "%08X:%04X", static_cast<unsigned>(addr.s_addr),
                static_cast<unsigned>(port));
  std::ifstream in{"/proc/net/tcp"};
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string slot, local_address, remote_address, st;
    fields >> slot >> local_address >> remote_address >> st;
    if (local_address == local && st == "0A") return true;  // 0A: LISTEN
  }
  return false;
}

// -- the cluster ---------------------------------------------------------------------------------

/// "echo" on node "far" at `far_host`; every other component on "caller" at 127.0.0.1.
std::string echo_far_away(const std::string& far_host, const std::string& defaults) {
  std::string components = R"("echo": {"node": "far"})";
  for (const auto& c : all_components())
    if (c.name() != "echo")
      components += ", \"" + c.name() + R"(": {"node": "caller")" +
                    (c.name() == "silent" ? R"(, "config": {"greeting": "hi"})" : "") + "}";
  return R"({"app": "cleave_test_app", "defaults": {)" + defaults +
         R"(}, "nodes": {"caller": {"host": "127.0.0.1", "port": 1}, "far": {"host": ")" +
         far_host + R"(", "port": 1}}, "components": {)" + components + "}}";
}

class dns : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& resolver = private_resolver::get();
    if (resolver.status() == private_resolver::state::skipped) GTEST_SKIP() << resolver.why();
    ASSERT_EQ(resolver.status(), private_resolver::state::ready) << resolver.why();
    map_far_name("127.0.0.1");
  }

  /// Points far_name at `ip`, and checks that this process resolves it so.
  void map_far_name(const std::string& ip) {
    auto err = private_resolver::get().map_far_name(ip);
    ASSERT_TRUE(err.empty()) << err;
    ASSERT_EQ(resolve(far_name), ip);
  }

  /// Nodes "caller" (run here) and "far" (a process, not started) with "far" at `far_host`.
  void make_cluster(const std::string& far_host, const std::string& defaults) {
    file_ = dir_.write("placement.json", echo_far_away(far_host, defaults));
    nodes_ =
        std::make_unique<cluster>(test_app_bin, file_, std::vector<std::string>{"caller", "far"});
  }

  void start_caller() {
    caller_ = std::make_unique<cleave::test_node>(all_components(),
                                                  nodes_->plan(test_app_options()), "caller");
  }

  /// Calls "echo" served by the node at far_name:port("far") so far, asked by name (-1 if its
  /// status cannot be read).
  int64_t far_echo_calls() {
    return cleave_test::calls_served(caller_->system(), far_name, nodes_->port("far"), "echo",
                                     status_deadline);
  }

  std::string report() { return nodes_ ? nodes_->report() : std::string{}; }

  temp_dir dir_;
  std::string file_;
  std::unique_ptr<cluster> nodes_;
  std::unique_ptr<cleave::test_node> caller_;
};

TEST_F(dns, a_caller_follows_a_node_name_to_its_new_address_when_it_reconnects) {
  make_cluster(far_name, R"("timeout_ms": 2000)");
  auto port = nodes_->port("far");
  nodes_->start("far");
  ASSERT_TRUE(nodes_->wait_listening("far", child_deadline)) << report();
  // The node resolved its own host to listen: on 127.0.0.1 only.
  EXPECT_TRUE(listening_on("127.0.0.1", port)) << report();
  EXPECT_FALSE(listening_on("127.0.0.2", port)) << report();
  start_caller();
  constexpr int first_calls = 20;
  for (int i = 0; i < first_calls; ++i) {
    auto r = caller_->call("echo", echo{"first"}, 2s);
    ASSERT_TRUE(r) << cleave::describe(r.error()) << report();
  }
  EXPECT_EQ(far_echo_calls(), first_calls) << report();

  // A new answer for the name does not move a connection that is up: it is resolved on connect.
  map_far_name("127.0.0.2");
  for (int i = 0; i < 5; ++i) {
    auto r = caller_->call("echo", echo{"still"}, 2s);
    ASSERT_TRUE(r) << cleave::describe(r.error()) << report();
  }
  EXPECT_EQ(far_echo_calls(), first_calls + 5) << report();

  // The node moves: killed, and started again where the name now points.
  nodes_->at("far").signal(SIGKILL);
  ASSERT_TRUE(nodes_->at("far").wait(child_deadline)) << report();
  nodes_->start("far");
  ASSERT_TRUE(nodes_->wait_listening("far", child_deadline)) << report();
  auto listening = clock_type::now();
  EXPECT_TRUE(listening_on("127.0.0.2", port)) << report();
  EXPECT_FALSE(listening_on("127.0.0.1", port)) << report();

  // The same caller, not restarted, reconnects by name in the background and on each call.
  int failed = 0;
  std::string last_error;
  bool back = false;
  while (!back && clock_type::now() < listening + 5s) {
    auto r = caller_->call("echo", echo{"moved"}, 500ms);
    if (r) {
      back = true;
      break;
    }
    ++failed;
    last_error = cleave::describe(r.error());
    // Nothing was sent to a node that is down: these calls certainly did not arrive.
    EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unavailable)) << last_error;
    std::this_thread::sleep_for(2ms);  // between probes, not a wait for anything
  }
  auto back_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - listening).count();
  ASSERT_TRUE(back) << "no call succeeded within 5 s of the moved node listening; " << failed
                    << " failed, the last with: " << last_error << "\n"
                    << report();
  std::cout << "[ figures  ] name moved to 127.0.0.2: first call served " << back_ms
            << " ms after the new node listened (" << failed << " calls failed before it"
            << (failed > 0 ? ", the last with: " + last_error : std::string{}) << ")\n";
  EXPECT_LT(back_ms, 2000);

  // The new process (its own counters, from 0) served it, and serves what follows.
  for (int i = 0; i < 9; ++i) {
    auto r = caller_->call("echo", echo{"moved"}, 2s);
    ASSERT_TRUE(r) << cleave::describe(r.error()) << report();
  }
  EXPECT_EQ(far_echo_calls(), 10) << report();
}

TEST_F(dns, a_name_that_does_not_resolve_fails_calls_at_once_as_unavailable) {
  make_cluster(unknown_name, R"("timeout_ms": 2000, "startup_grace_ms": 0)");
  ASSERT_EQ(resolve(unknown_name).rfind("error: ", 0), 0u) << resolve(unknown_name);
  start_caller();
  auto before = clock_type::now();
  auto r = caller_->call("echo", echo{"x"}, 2s);
  auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - before).count();
  ASSERT_FALSE(r);
  auto text = cleave::describe(r.error());
  std::cout << "[ figures  ] call to a node whose host does not resolve failed in " << elapsed_ms
            << " ms: " << text << "\n";
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unavailable)) << text;
  // For operators: what failed, where, and why.
  EXPECT_NE(text.find("echo on node \"far\""), std::string::npos) << text;
  EXPECT_NE(text.find("cannot resolve " + unknown_name), std::string::npos) << text;
  EXPECT_LT(elapsed_ms, 1000) << text;
  // For HTTP clients: 503 with the fixed text, which names no node or host.
  EXPECT_EQ(cleave::http_status(r.error()), 503);
  auto public_text = cleave::public_message(r.error());
  EXPECT_EQ(public_text.find(unknown_name), std::string::npos) << public_text;
  EXPECT_EQ(public_text.find("far"), std::string::npos) << public_text;

  // A node placed at that name cannot listen, and says why.
  auto& far = nodes_->start("far");
  auto code = far.wait(child_deadline);
  ASSERT_TRUE(code) << "still running; " << far.report();
  EXPECT_NE(*code, 0) << far.report();
  EXPECT_NE(far.errors().find("cannot resolve " + unknown_name), std::string::npos) << far.report();
  std::cout << "[ figures  ] a node placed at that name exits " << *code << ": " << far.errors();
}

}  // namespace
