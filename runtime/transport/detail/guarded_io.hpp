// Guarded node connections: CAF's middleman actor with connections of our own underneath, so that
// what CAF 0.17 cannot be told is enforced below it
// (../shared/notes/caf-0.17-openssl-hardening.md):
//   - mutual TLS 1.3 with a shared context and an identity check (tls.hpp), unless insecure;
//   - a frame over max_frame_bytes closes the connection before its buffer is allocated (BASP
//     asks for the payload's size from the peer's 32-byte header: 0xFFFFFFFF made a node zero
//     4 GiB);
//   - a connection that has not finished its TLS and BASP handshake within handshake_timeout is
//     closed (CAF closes none: 2000 silent sockets kept a core busy and real peers out);
//   - nothing is written before the TLS handshake is done (CAF's openssl module kept write
//     interest on meanwhile and spun);
//   - at most max_peer_connections accepted connections;
//   - outgoing connects are bounded by handshake_timeout (CAF's block until TCP gives up);
//   - refusals are logged on the refusing node (CAF logs none), at most 20 lines a second.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/json/object.hpp>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "runtime/core/log.hpp"
#include "runtime/transport/detail/tls.hpp"

namespace cleave::transport::detail {

/// What every connection of one node shares.
struct network_config {
  /// This node's name (or the tool's identity), for log lines.
  std::string node;
  uint64_t max_frame_bytes = uint64_t{16} << 20;
  std::chrono::milliseconds handshake_timeout{3000};
  int max_peer_connections = 256;
  /// Null when the placement is insecure.
  std::shared_ptr<const tls_context> tls;
  /// "host:port" -> node name: whom an outgoing connection must find at the other end.
  std::map<std::string, std::string> nodes_by_address;
  /// Accepted connections open now.
  std::atomic<int> accepted{0};
  /// Set when the node stops: no connection is dialled or handed to BASP from then on.
  std::atomic<bool> stopping{false};

  /// Logs a refused or closed peer connection (at most 20 lines a second).
  void log_refusal(const std::string& what, boost::json::object fields);

 private:
  log_limiter limiter_{20};
};

struct connection;

/// Closes the connections that have not finished their handshake by their deadline: one thread
/// for all of a node's connections (the deadline is the same for each, so they expire in the
/// order they were opened).
class handshake_watch {
 public:
  handshake_watch();
  /// Stops the thread.
  ~handshake_watch();
  handshake_watch(const handshake_watch&) = delete;
  handshake_watch& operator=(const handshake_watch&) = delete;

  void add(const std::shared_ptr<connection>& c, std::chrono::steady_clock::time_point deadline);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::weak_ptr<connection>>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

/// Spawns the middleman actor that opens and accepts guarded connections for `sys`'s BASP broker.
/// It answers CAF's middleman protocol (publish_atom, connect_atom, ...).
caf::actor spawn_network_actor(caf::actor_system& sys, std::shared_ptr<network_config> config,
                               std::shared_ptr<handshake_watch> watch);

}  // namespace cleave::transport::detail
