// A network namespace of the fault suite's own, and a partition made in it with iptables: DROP
// rules for a port in INPUT and OUTPUT, so that the connections of that port go silent like a cut
// cable (no FIN, no RST) and new ones get no answer. For what the suite's TCP proxy
// (tcp_proxy.hpp) cannot show: the kernel's own TCP under a cut (retransmissions, a connect that
// gets no SYN-ACK). Needs root, `ip` (iproute2) and `iptables` (nf_tables, else legacy).
//
//   cleave_test::network_namespace ns;                       // "cleave-fault-<pid>", lo up
//   cleave_test::process node{ns.command({bin + "/counter", "--placement", file})};
//   std::thread client{[&] { ns.enter(); ... }};             // its sockets are made inside
//   ns.cut(port);                                            // the partition
//   ns.heal();                                               // the rules removed
//
// Everything runs inside on 127.0.0.1 of the namespace. The destructor kills what still runs inside
// and deletes the namespace (and its rules with it), whatever failed before; a namespace that a
// killed run left behind is deleted by the next run's constructor.
#pragma once

#include <cstdint>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/testkit/detail/process.hpp"

namespace cleave_test {

class network_namespace {
 public:
  /// Creates the namespace, brings its loopback up and finds an iptables that can add rules in it.
  /// Throws std::runtime_error naming the command that failed and what it printed (a missing
  /// tool: install iproute2 and iptables, as scripts/setup does).
  network_namespace();
  /// SIGKILLs every process still inside, then deletes the namespace.
  ~network_namespace();
  network_namespace(const network_namespace&) = delete;
  network_namespace& operator=(const network_namespace&) = delete;

  const std::string& name() const { return name_; }

  /// `argv` as a command that runs inside: ip netns exec NAME argv... (ip execs the program, so
  /// the process started is the program itself, and signals reach it).
  std::vector<std::string> command(std::vector<std::string> argv) const;

  /// Moves the calling thread into the namespace: sockets it makes from now on are made inside
  /// (those made before stay where they were). Returns "" or why it failed.
  std::string enter() const;

  /// Runs `f` on a thread of its own inside the namespace and returns what it returns (or throws
  /// what it throws).
  template <class F>
  auto run_inside(F f) const {
    return std::async(std::launch::async,
                      [this, &f] {
                        auto error = enter();
                        if (!error.empty()) throw std::runtime_error(error);
                        return f();
                      })
        .get();
  }

  /// Drops every TCP packet to or from `port` inside, in INPUT and OUTPUT, in one transaction
  /// (iptables-restore). Throws std::runtime_error if the rules cannot be added.
  void cut(uint16_t port);

  /// Removes the rules cut() added (flushes the namespace's filter table). Throws
  /// std::runtime_error if they cannot be removed.
  void heal();

  /// The iptables in use: "iptables" (the system's default, nf_tables on Debian 12) or
  /// "iptables-legacy".
  const std::string& iptables() const { return iptables_; }

 private:
  /// Runs `argv` inside to its end; "" or what went wrong.
  std::string run_inside_to_end(std::vector<std::string> argv) const;
  /// Adds the DROP rules for `port` with `iptables` (a variant's name); "" or what went wrong.
  std::string add_rules(const std::string& iptables, uint16_t port) const;

  std::string name_;
  std::string ip_;
  std::string iptables_;
  temp_dir dir_;
};

}  // namespace cleave_test
