// The components of the remote benchmark app (bench_remote), shared by its server binary and by
// the client, which runs the app's other node in-process (every node registers every message type
// of the app, so both sides must list the same components).
//
//   echo — the cleave side: {seq, payload} -> {seq, len, ok}, the work the HTTP peers do for
//          POST /echo (poco_server, nethttp-baseline).
//   raw  — the references that bypass cleave: its init publishes a plain CAF actor doing the same
//          echo on config.caf_port, and starts a blocking TCP ping-pong thread on config.tcp_port
//          (port 0 = any free port; get_raw_ports answers the ports actually bound).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace bench_remote {

/// The app name placements of the benchmark say.
constexpr const char* app_name = "bench_remote";

struct echo_reply {
  int64_t seq = 0;
  int64_t len = 0;
  bool ok = false;
};
CLEAVE_MESSAGE(echo_reply, seq, len, ok)

struct echo_request {
  int64_t seq = 0;
  std::string payload;
  using response = echo_reply;
};
CLEAVE_MESSAGE(echo_request, seq, payload)

/// The same request declared idempotent (runtime/core/message.hpp): a call of it to a replicated
/// component that may have reached a replica lost meanwhile is made again on another one
/// (bench/replicas, B11). The bench_remote app's echo does not take it.
struct echo_idempotent_request {
  int64_t seq = 0;
  std::string payload;
  using response = echo_reply;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(echo_idempotent_request, seq, payload)

/// "config" of the raw component.
struct raw_config {
  int64_t caf_port = 0;
  int64_t tcp_port = 0;
};
CLEAVE_MESSAGE(raw_config, caf_port, tcp_port)

struct raw_ports {
  int64_t caf_port = 0;
  int64_t tcp_port = 0;
};
CLEAVE_MESSAGE(raw_ports, caf_port, tcp_port)

struct get_raw_ports {
  using response = raw_ports;
};
CLEAVE_MESSAGE(get_raw_ports)

/// The echo work itself, one definition for the cleave component and the raw CAF actor.
inline echo_reply answer(const echo_request& req) {
  return echo_reply{req.seq, static_cast<int64_t>(req.payload.size()), true};
}

inline echo_reply answer(const echo_idempotent_request& req) {
  return echo_reply{req.seq, static_cast<int64_t>(req.payload.size()), true};
}

cleave::component echo_component();
cleave::component raw_component();

/// Every component of the app, in one list for both binaries.
std::vector<cleave::component> app_components();

}  // namespace bench_remote
