// Discovery through an etcd registry ("registry" in the placement, docs/placement.md): each node
// instance registers its address and components under a lease it keeps alive, and callers follow
// the registered instances, so that a replica is added by starting one more instance of a node and
// leaves when its lease lapses.
//
//   registry::registration reg{settings, me, "store"};      // keeps `me` registered
//   registry::membership_watch watch{settings, "front",
//       [](const std::vector<registry::instance>& all) { /* every instance registered now */ }};
//   ...
//   reg.stop();                                              // revokes the lease: gone at once
//
// Keys are <prefix><app>/instances/<instance name>, values the instance as JSON. Both sides run
// on a thread of their own and never block their node: while etcd is unreachable, registrations
// retry every second and callers keep the instances they knew; when it is back, a node whose
// lease lapsed meanwhile registers again and callers read the whole membership afresh.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/expected.hpp>

#include "runtime/registry/etcd.hpp"

namespace cleave::registry {

/// One running instance of a node, as registered.
struct instance {
  /// Unique among the app's instances: "<node>@<host>:<port>".
  std::string name;
  /// The placement node it runs (its certificate's identity).
  std::string node;
  std::string host;
  uint16_t port = 0;
  /// The components it runs, sorted.
  std::vector<std::string> components;

  /// True if it runs component `name`.
  bool runs(const std::string& component) const;
};

/// The instance name of node `node` listening at `host`:`port`.
std::string instance_name(const std::string& node, const std::string& host, uint16_t port);

/// The JSON value registered for `x`.
std::string to_json(const instance& x);
/// The instance registered as `text`, or invalid_argument saying what is wrong.
caf::expected<instance> instance_from_json(const std::string& text);

/// A thread that runs a loop until stop(), which wakes its pauses and calls `interrupt` (to end
/// a blocking call) before it joins. What registration and membership_watch share.
class background_loop {
 public:
  /// `log_node`: the node named in the log line of a loop that ended by an exception.
  background_loop(std::string log_node, std::function<void()> interrupt)
      : log_node_(std::move(log_node)), interrupt_(std::move(interrupt)) {}
  /// stop().
  ~background_loop() { stop(); }
  background_loop(const background_loop&) = delete;
  background_loop& operator=(const background_loop&) = delete;

  /// Runs `body` on the thread (once).
  void start(std::function<void()> body);
  /// Waits `d`, or less if stop() is called; false if stopping.
  bool pause(std::chrono::milliseconds d);
  bool stopping();
  /// Ends the loop and waits for the thread (idempotent); false if it had ended before.
  bool stop();

 private:
  std::string log_node_;
  std::function<void()> interrupt_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

struct settings {
  etcd_endpoint endpoint;
  /// <prefix><app>/instances/: where instances are registered.
  std::string instances_prefix;
  /// Lease of a registration: how long an instance stays registered after its node died.
  std::chrono::seconds lease_ttl{5};
  /// Longest wait for one etcd call.
  std::chrono::milliseconds timeout{2000};
};

/// Keeps one instance registered until stop(): a lease of `lease_ttl`, renewed every third of
/// it; registers again when etcd answers after an outage in which the lease lapsed.
class registration {
 public:
  /// `log_node`: the node named in log lines.
  registration(settings s, instance me, std::string log_node);
  /// stop().
  ~registration();
  registration(const registration&) = delete;
  registration& operator=(const registration&) = delete;

  /// Revokes the lease (within the timeout, if etcd answers): callers drop this instance at once.
  void stop();

 private:
  void run();
  /// Grants a lease and puts the key under it; false (logged once per outage) if etcd failed.
  bool register_once();

  settings settings_;
  instance me_;
  std::string key_;
  std::string value_;
  std::string log_node_;
  etcd_client etcd_;
  std::string lease_;
  bool failing_ = false;
  background_loop loop_;
};

/// Follows the registered instances until stop(): calls `on_change` with all of them after the
/// first read and after every change (on its own thread, one call at a time). While etcd cannot
/// be reached nothing is called: the caller keeps what it was told last.
class membership_watch {
 public:
  using handler = std::function<void(const std::vector<instance>&)>;

  membership_watch(settings s, std::string log_node, handler on_change);
  /// stop().
  ~membership_watch();
  membership_watch(const membership_watch&) = delete;
  membership_watch& operator=(const membership_watch&) = delete;

  void stop();

  /// Waits until the first read of the registry is done, whether it succeeded (on_change has
  /// been called) or etcd could not be reached; false if `timeout` passed first.
  bool wait_first_read(std::chrono::milliseconds timeout);

 private:
  void run();
  void publish();
  void first_read_done();

  settings settings_;
  std::string log_node_;
  handler on_change_;
  etcd_client etcd_;
  /// Key -> instance, as last read.
  std::vector<std::pair<std::string, instance>> known_;
  std::mutex first_mutex_;
  std::condition_variable first_cv_;
  bool first_read_ = false;
  background_loop loop_;
};

/// Every instance registered now (for `cleave status`), or unavailable.
caf::expected<std::vector<instance>> read_instances(const settings& s);

}  // namespace cleave::registry
