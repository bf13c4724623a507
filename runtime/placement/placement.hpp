// Placement files: which node each component of an app runs on, where the nodes listen, and the
// per-component config. This is the only place that reads them; everything downstream gets a
// validated `placement`, so a bad file is refused before anything starts (docs/placement.md).
//
//   cleave::placement_options opts;
//   opts.overrides = {"nodes.store.port=17101"};          // from --set
//   opts.app = "banano";
//   opts.known_components = {"thingey-repo", "thingey-store"};
//   auto p = cleave::load_placement("configs/banano/split.json", opts);
//   if (!p) { std::cerr << cleave::describe(p.error()) << "\n"; return 2; }
//   for (const auto& name : p->components_on("store")) ...
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace cleave {

/// One node: an OS process running the app with `--node NAME`.
struct node_spec {
  /// The node's name (its key in "nodes").
  std::string name;
  /// "host": the address peers connect to.
  std::string host = "127.0.0.1";
  /// "port": where the node accepts peers; 0 = absent (the node accepts no peers, which only a
  /// placement with a single node allows).
  uint16_t port = 0;
  /// "admin": "host:port" where the node serves /metrics, /debug/vars, /healthz and /readyz over
  /// HTTP (port 0 = any free port); "" = no admin port.
  std::string admin;
};

/// "breaker" of a component.
struct breaker_spec {
  /// "failures": consecutive failed calls that open it. Default 5.
  int64_t failures = 5;
  /// "cool_down_ms": how long it stays open before a probe. Default 10000.
  std::chrono::milliseconds cool_down{10'000};
  /// "failure_rate" (0 = none), "window_ms" (default 10000) and "min_calls" (default 20): it also
  /// opens when that share of the calls that ended within the window failed.
  double failure_rate = 0;
  std::chrono::milliseconds window{10'000};
  int64_t min_calls = 20;
};

/// One component: where it runs and what it is configured with.
struct component_spec {
  /// The component's name (its key in "components").
  std::string name;
  /// The nodes it runs on: one entry from "node": "x", or the entries of "nodes": [...].
  std::vector<std::string> nodes;
  /// "balance": how calls are spread over replicas, "round-robin", "least-outstanding" or
  /// "random" (runtime/component/detail/replicas.hpp); "" when the
  /// component is not replicated (runs on one node).
  std::string balance;
  /// "route_by": the request member whose value picks the replica (keyed routing: the same key,
  /// the same replica); "" when calls are balanced.
  std::string route_by;
  /// "breaker": each caller's circuit breaker per replica of this component on another node
  /// (runtime/middleware/circuit_breaker.hpp); null when there is none (held by pointer: a
  /// placement may have thousands of components, few with breakers).
  std::shared_ptr<const breaker_spec> breaker;
  /// "config": handed to the component at start; {} if absent.
  boost::json::object config;
  /// "state": the file of the instance's durable store (runtime/state/state.hpp), relative to the
  /// placement's folder; "{node}" in it is replaced by the node's name. "" if absent.
  std::string state;
  /// True if the component runs on more than one node, or may (its instances come from a
  /// registry).
  bool replicated() const { return nodes.size() > 1 || discovered; }
  /// True if the placement has a registry: the instances of `nodes` registered there are its
  /// replicas.
  bool discovered = false;
};

/// Settings for the whole placement ("defaults").
struct placement_defaults {
  /// "timeout_ms": deadline of a call that sets none.
  std::chrono::milliseconds timeout{2000};
  /// "serialize_local": encode calls between components of one process as if they were remote
  /// (tests that local and remote behave the same).
  bool serialize_local = false;
  /// "heartbeat_ms": how often connected nodes tell each other they are alive.
  std::chrono::milliseconds heartbeat{500};
  /// "connection_timeout_ms": silence after which a peer counts as down; >= heartbeat.
  std::chrono::milliseconds connection_timeout{3000};
  /// "restart": "on-failure" (default): `cleave up` restarts a node that exits with a failure
  /// (with backoff; it gives up after 5 fast failures in a row); "never": such an exit stops
  /// every node and `cleave up` exits 1.
  bool restart = true;
  /// "log_calls": every node logs each call its components serve for a request (one JSON line
  /// with the request id); default false.
  bool log_calls = false;
  /// "run_timeout_ms": deadline for a driver's scenario.
  std::chrono::milliseconds run_timeout{300000};
  /// "scheduler": how a node's actors share its threads: "work-stealing" (idle threads poll
  /// briefly, then sleep), "sharing" (one queue, idle threads block) or "auto" (default:
  /// work-stealing, the faster on every node measured; docs/performance.md).
  std::string scheduler = "auto";
  /// "scheduler_threads": threads running actors; 0 (default) = one per core.
  int scheduler_threads = 0;
  /// "max_frame_bytes": largest message a peer may send over a node port; a larger one closes
  /// the connection before anything is allocated for it. Default 16 MiB.
  uint64_t max_frame_bytes = uint64_t{16} << 20;
  /// "handshake_timeout_ms": a peer connection that has not finished its TLS and node handshake
  /// by then is closed. Default 3000.
  std::chrono::milliseconds handshake_timeout{3000};
  /// "max_peer_connections": most peer connections a node accepts at once; further ones are
  /// closed at once. Default 256.
  int max_peer_connections = 256;
  /// "startup_grace_ms": for this long after a node starts, a call to a node it has never
  /// reached waits for that node (up to the call's deadline), so that nodes may start in any
  /// order; afterwards a call to a node that refuses connections fails at once. Default 5000;
  /// 0 = no grace.
  std::chrono::milliseconds startup_grace{5000};
};

/// How nodes authenticate each other ("security"). Nodes speak mutual TLS 1.3 with certificates
/// of the cluster's CA unless "insecure" is set (docs/security.md).
struct security_spec {
  /// "insecure": plain, unauthenticated node connections (anyone who reaches a node port can call
  /// its components). Default false; a node started so logs a warning.
  bool insecure = false;
  /// "certs": the folder with ca.pem and nodes/NAME.pem + nodes/NAME.key (made by `cleave
  /// certs`); relative to the placement file's folder. "" (default): a folder beside the
  /// placement file (.certs/<file name without .json>/) whose CA and certificates are made on
  /// first use.
  std::string certs;
  /// "key_passphrase_env": the environment variable holding the passphrase of the node keys
  /// ("" = keys are not encrypted, unless key_passphrase_file is set).
  std::string key_passphrase_env;
  /// "key_passphrase_file": a file (mode 0600 or stricter) holding that passphrase.
  std::string key_passphrase_file;
  /// True if "certs" was left out: certificates are made on first use.
  bool made_on_first_use() const { return certs.empty(); }
};

/// Discovery through an etcd registry ("registry", docs/placement.md): node instances register
/// themselves, and callers spread calls over every registered instance of a component's nodes,
/// so that a replica is added by starting an instance, without a placement edit.
struct registry_spec {
  /// From "etcd": "http://HOST:PORT", the address of etcd's v3 JSON gateway; host "" = no
  /// registry.
  std::string etcd_host;
  uint16_t etcd_port = 0;
  /// "lease_ttl_s": how long an instance stays registered after its node died without
  /// unregistering (kill -9, a lost host). Default 5; 2..3600 (etcd's minimum is 2).
  int64_t lease_ttl_s = 5;
  /// "prefix": where keys go: <prefix><app>/instances/<node>@<host>:<port>. Default "/cleave/".
  std::string prefix = "/cleave/";
  bool enabled() const { return !etcd_host.empty(); }
};

/// One event topic ("topics"): how events published to it reach its subscribers
/// (docs/events.md). A topic the placement does not list uses the cluster transport.
struct topic_spec {
  /// The topic's name (its key in "topics").
  std::string name;
  /// "transport": "cluster" (default: fan-out over the node connections, at most once) or
  /// "nats" (a NATS JetStream stream, at least once).
  std::string transport = "cluster";
  /// "url": the NATS server, "nats://HOST:PORT" (required for "nats", refused for "cluster").
  std::string url;
  /// "ack_wait_ms": how long a subscriber has to handle an event before NATS delivers it again
  /// ("nats" only). Default 30000; 100..3600000.
  std::chrono::milliseconds ack_wait{30'000};
  bool nats() const { return transport == "nats"; }
};

/// A validated placement file.
struct placement {
  /// The path it was read from (for parse_placement: the `origin` given).
  std::string file;
  /// "app": the app this placement is for.
  std::string app;
  /// "defaults".
  placement_defaults defaults;
  /// "security".
  security_spec security;
  /// "registry" (disabled if absent).
  registry_spec registry;
  /// "nodes", by name.
  std::map<std::string, node_spec> nodes;
  /// "components", by name.
  std::map<std::string, component_spec> components;
  /// "topics", by name (topics it does not list use the cluster transport).
  std::map<std::string, topic_spec> topics;

  /// Names of the components placed on `node` (sorted), replicas included.
  std::vector<std::string> components_on(const std::string& node) const;
  /// The single node's name if there is exactly one node, else "" (lets `--node` be left out).
  std::string only_node() const;
  /// The folder of the cluster's certificates: "security.certs" resolved against the placement
  /// file's folder, or the folder made on first use beside the file.
  std::string certs_dir() const;
  /// A path the placement names: absolute as it is, relative against the placement file's folder.
  std::string path_beside(const std::string& path) const;
};

/// What to check and change while loading a placement.
struct placement_options {
  /// Each "path.to.field=value" (from --set), applied in order after `${VAR}` expansion.
  std::vector<std::string> overrides;
  /// Reads an environment variable for `${VAR}`; empty = std::getenv. Tests pass a fake.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  /// The "app" value the file must have; "" = not checked.
  std::string app;
  /// The components the app has: each must be placed, and nothing else; empty = not checked.
  std::vector<std::string> known_components;
};

/// The plan in a few lines for people: the app, the defaults, and per node its address and the
/// components it runs.
std::string plan_text(const placement& plan);

/// Reads, expands, overrides and validates the placement file at `path`. Errors are
/// errc::invalid_placement whose text starts with the file (or "--set ..." for a bad override),
/// e.g. "split.json: components.thingey-store.node: found \"nowhere\", expected one of the nodes
/// (\"front\", \"store\")". Never throws.
caf::expected<placement> load_placement(const std::string& path,
                                        const placement_options& opts = {});

/// Same as load_placement, from JSON `text`; `origin` names it in error messages and becomes
/// placement::file.
caf::expected<placement> parse_placement(std::string_view text, const std::string& origin,
                                         const placement_options& opts = {});

}  // namespace cleave
