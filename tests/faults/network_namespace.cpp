#include "tests/faults/network_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <system_error>

namespace cleave_test {

namespace {

using namespace std::chrono_literals;

/// Each of the suite's commands (ip, iptables) ends in milliseconds; this bounds a stuck one.
constexpr auto command_deadline = 10s;

/// `name` in PATH, or in /usr/sbin and /sbin where the tools live but which a non-login PATH may
/// lack; `name` itself if it is nowhere (starting it then fails, naming it).
std::string find_tool(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::string dirs = std::string{env != nullptr ? env : ""} + ":/usr/sbin:/sbin";
  std::istringstream in{dirs};
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    auto path = dir + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return name;
}

/// Runs `argv` to its end; "" if it exited 0, else what went wrong (with what it printed). What it
/// wrote to stdout goes to `output` if given.
std::string run_to_end(const std::vector<std::string>& argv, std::string* output = nullptr) {
  try {
    process p{argv};
    auto code = p.wait(command_deadline);
    if (output != nullptr) *output = p.output();
    if (!code) return "did not end within 10 s\n" + p.report();
    if (*code != 0) return p.report();
    return {};
  } catch (const std::system_error& e) {
    return "cannot start " + argv[0] + ": " + e.what() +
           " (the fault suite needs iproute2 and iptables: scripts/setup installs them)";
  }
}

/// SIGKILLs every process inside namespace `name`, then deletes it.
void remove_namespace(const std::string& ip, const std::string& name) {
  // Polled until none is left: a killed process leaves the namespace once it has exited.
  auto deadline = std::chrono::steady_clock::now() + command_deadline;
  for (;;) {
    std::string pids;
    run_to_end({ip, "netns", "pids", name}, &pids);
    std::istringstream in{pids};
    bool any = false;
    for (pid_t pid = 0; in >> pid;) {
      any = true;
      ::kill(pid, SIGKILL);
    }
    if (!any || std::chrono::steady_clock::now() >= deadline) break;
  }
  if (auto error = run_to_end({ip, "netns", "delete", name}); !error.empty())
    std::cerr << "network namespace " << name << " not deleted: " << error << "\n";
}

const std::string prefix = "cleave-fault-";

}  // namespace

network_namespace::network_namespace()
    : name_(prefix + std::to_string(::getpid())), ip_(find_tool("ip")) {
  // A run of this suite that was killed (SIGKILL, a crash) could not delete its namespace: those
  // whose test process is gone are deleted here, with the nodes still running in them, and so is
  // one of this name (its owner had this process's pid), or the add below would fail.
  std::string list;
  run_to_end({ip_, "netns", "list"}, &list);
  std::istringstream lines{list};
  for (std::string line; std::getline(lines, line);) {
    auto name = line.substr(0, line.find(' '));
    if (name.rfind(prefix, 0) != 0) continue;
    auto owner = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (name == name_ || (owner > 0 && ::kill(pid_t(owner), 0) != 0 && errno == ESRCH))
      remove_namespace(ip_, name);
  }
  if (auto error = run_to_end({ip_, "netns", "add", name_}); !error.empty())
    throw std::runtime_error("cannot create the network namespace " + name_ + ": " + error);
  if (auto error = run_inside_to_end({ip_, "link", "set", "lo", "up"}); !error.empty()) {
    remove_namespace(ip_, name_);
    throw std::runtime_error("cannot bring lo up in " + name_ + ": " + error);
  }
  // Debian 12's iptables is nf_tables; where that cannot be used inside a namespace the legacy one
  // may. Each is tried for real: rules added (for the discard port) and flushed.
  std::string errors;
  for (const char* variant : {"iptables", "iptables-legacy"}) {
    auto error = add_rules(variant, 9);
    if (error.empty()) error = run_inside_to_end({find_tool(variant), "-w", "-F"});
    if (error.empty()) {
      iptables_ = variant;
      return;
    }
    errors += std::string{"\n"} + variant + ": " + error;
  }
  remove_namespace(ip_, name_);
  throw std::runtime_error("no iptables can add rules in the network namespace " + name_ +
                           " (scripts/setup installs iptables):" + errors);
}

// The nodes were started through process objects, which kill and reap them first; anything still
// inside (a process they started) is killed here, so that nothing outlives the test.
network_namespace::~network_namespace() {
  remove_namespace(ip_, name_);
}

std::vector<std::string> network_namespace::command(std::vector<std::string> argv) const {
  std::vector<std::string> out{ip_, "netns", "exec", name_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::string network_namespace::enter() const {
  auto path = "/var/run/netns/" + name_;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot open " + path + ": " + std::strerror(errno);
  // Only this thread moves: CLONE_NEWNET is per thread, unlike the mount namespace.
  int rc = ::setns(fd, CLONE_NEWNET);
  int err = errno;
  ::close(fd);
  if (rc != 0) return "setns(" + path + ", CLONE_NEWNET): " + std::strerror(err);
  return {};
}

void network_namespace::cut(uint16_t port) {
  if (auto error = add_rules(iptables_, port); !error.empty())
    throw std::runtime_error("cannot cut port " + std::to_string(port) + " in " + name_ + ": " +
                             error);
}

void network_namespace::heal() {
  if (auto error = run_inside_to_end({find_tool(iptables_), "-w", "-F"}); !error.empty())
    throw std::runtime_error("cannot remove the rules in " + name_ + ": " + error);
}

std::string network_namespace::run_inside_to_end(std::vector<std::string> argv) const {
  return run_to_end(command(std::move(argv)));
}

std::string network_namespace::add_rules(const std::string& iptables, uint16_t port) const {
  // To and from the port, each in INPUT and OUTPUT (on lo every packet passes both), added in one
  // transaction so that the cut has one instant.
  std::string rules = "*filter\n";
  for (const char* chain : {"INPUT", "OUTPUT"})
    for (const char* end : {"--dport", "--sport"})
      rules +=
          std::string{"-A "} + chain + " -p tcp " + end + " " + std::to_string(port) + " -j DROP\n";
  auto file = dir_.write("cut-" + std::to_string(port) + ".rules", rules + "COMMIT\n");
  return run_inside_to_end({find_tool(iptables + "-restore"), "-w", "--noflush", file});
}

}  // namespace cleave_test
