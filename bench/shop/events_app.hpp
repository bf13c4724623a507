// The app of B12's event part: "source" publishes a ping when asked, "echoer" answers each ping
// with a pong, "sink" notes when each pong arrives. The driver runs source and sink in its own
// process (so that one clock times the round trip) and echoer on another node.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace bench_events {

inline const char* const app_name = "bench-events";

struct ping {
  int64_t seq = 0;
};
CLEAVE_MESSAGE(ping, seq)

struct pong {
  int64_t seq = 0;
};
CLEAVE_MESSAGE(pong, seq)

/// To "source": publish ping{seq} on "ping".
struct emit {
  int64_t seq = 0;
  using response = void;
};
CLEAVE_MESSAGE(emit, seq)

std::vector<cleave::component> app_components();

/// Pongs the sink has seen (in the driver's process).
int64_t pongs_seen();
/// When the pong of `seq` arrived (time_point{} if it has not).
std::chrono::steady_clock::time_point pong_arrival(int64_t seq);
/// Forgets what the sink saw; pongs of up to `max_seq` are timed.
void reset_sink(int64_t max_seq);

}  // namespace bench_events
