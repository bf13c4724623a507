// The messages of the in-process benchmarks: an echo whose payload size is the variable.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/core/message.hpp"

namespace inproc {

struct echo_resp {
  std::string payload;
};
CLEAVE_MESSAGE(echo_resp, payload)

struct echo_req {
  std::string payload;
  using response = echo_resp;
};
CLEAVE_MESSAGE(echo_req, payload)

/// B13: makes `calls` sequential calls to "echo" with `payload`, one after another; answers how
/// many succeeded.
struct run_sequence {
  int32_t calls = 0;
  std::string payload;
  using response = int32_t;
};
CLEAVE_MESSAGE(run_sequence, calls, payload)

/// What the idle components of B8 accept (they are never called).
struct idle_ping {
  using response = bool;
};
CLEAVE_MESSAGE(idle_ping)

}  // namespace inproc
