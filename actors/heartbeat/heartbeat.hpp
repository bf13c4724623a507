// ticker: a background worker that beats every interval, whose state is read and whose behaviour
// is changed through web routes while it runs (the Heartbeat app).
//
//   GET /ping       -> ping         -> {"payload":"PONG"}
//   GET /beats      -> get_beats    -> {"payload":N}
//   PUT /interval   -> set_interval -> {"ms":N}   (takes effect at once, no restart)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace heartbeat {

struct pong {
  std::string payload;
};
CLEAVE_MESSAGE(pong, payload)

struct ping {
  using response = pong;
};
CLEAVE_MESSAGE(ping)

struct beat_count {
  int64_t payload = 0;
};
CLEAVE_MESSAGE(beat_count, payload)

/// How many beats the ticker has made since it started.
struct get_beats {
  using response = beat_count;
};
CLEAVE_MESSAGE(get_beats)

struct interval {
  int64_t ms = 0;
};
CLEAVE_MESSAGE(interval, ms)

/// Changes the interval of the running ticker; the next beat comes `ms` after this call.
struct set_interval {
  int64_t ms = 0;
  using response = interval;
};
CLEAVE_MESSAGE(set_interval, ms)

/// The ticker's "config" in the placement.
struct ticker_config {
  /// Milliseconds between beats; default 60000.
  std::optional<int64_t> interval_ms;
};
CLEAVE_MESSAGE(ticker_config, interval_ms)

/// "ticker".
cleave::component ticker_component();

}  // namespace heartbeat
