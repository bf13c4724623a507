// A component for the gateway tests: answers, fails in every way, never answers, or holds a
// request until the test releases it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace gateway_test {

struct echoed {
  std::string text;
  std::string by;
  /// The request id the component's handler ran under ("" if none).
  std::string request_id;
};
CLEAVE_MESSAGE(echoed, text, by, request_id)

/// POST /echo: answers `text`, repeated `times` (default 1).
struct gw_echo {
  std::string text;
  std::optional<int32_t> times;
  using response = echoed;
};
CLEAVE_MESSAGE(gw_echo, text, times)

/// GET /items/{id}: answers "item <id>" (and the tag, if any).
struct gw_get_item {
  std::string id;
  std::optional<std::string> tag;
  using response = echoed;
};
CLEAVE_MESSAGE(gw_get_item, id, tag)

struct doubled {
  int64_t value = 0;
  bool flag = false;
};
CLEAVE_MESSAGE(doubled, value, flag)

/// GET|POST /numbers/{n}: answers 2n.
struct gw_number {
  int32_t n = 0;
  std::optional<bool> flag;
  using response = doubled;
};
CLEAVE_MESSAGE(gw_number, n, flag)

/// POST /fail: fails with the errc named by `mode` ("not_found", "invalid_argument",
/// "already_exists", "unavailable", "deadline_exceeded", "outcome_unknown"), with unavailable as a
/// remote call's would read, naming component, node, host and port ("unavailable_remote"), or
/// throws ("throw").
struct gw_fail {
  std::string mode;
  using response = echoed;
};
CLEAVE_MESSAGE(gw_fail, mode)

/// Never answered: the component keeps the reply handle.
struct gw_hang {
  using response = echoed;
};
CLEAVE_MESSAGE(gw_hang)

/// A request whose response is void.
struct gw_touch {
  std::string text;
  using response = void;
};
CLEAVE_MESSAGE(gw_touch, text)

/// The text of the "unavailable_remote" failure.
inline constexpr const char* remote_failure =
    "inventory on node \"inventory\" (127.0.0.1:7263): cannot connect (connection refused)";

/// Held (the component's thread blocks) until block_gate() opens.
struct gw_block {
  using response = echoed;
};
CLEAVE_MESSAGE(gw_block)

/// The component "gwtest", answering all of the above.
cleave::component test_component();

/// Holds gw_block requests.
class gate {
 public:
  /// Closes the gate and forgets the requests held.
  void reset();
  /// Lets every held (and future) gw_block request through.
  void open();
  /// Waits until `n` requests are held, at most `timeout`; true if they are.
  bool wait_held(int n, std::chrono::milliseconds timeout);

  /// Called by the component: counts the request, waits for open() (at most `limit`).
  void pass(std::chrono::milliseconds limit);
};

gate& block_gate();

/// How many gw_hang requests the component holds (all instances, since the process started).
int hung_requests();

}  // namespace gateway_test
