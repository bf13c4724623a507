// The request a thread is working for: its id and deadline, carried into every call it causes.
//
// A request that enters at the edge gets an id (X-Request-Id) and a deadline. While a thread works
// for it, `current_request()` says so; `cleave::call` then sends the context along with the
// request (across nodes too), the callee's handler runs in the same context, its own calls carry
// it further, their deadlines never outlive the request's, and every log line says which request
// it belongs to:
//
//   cleave::request_scope scope{"req-42", std::chrono::steady_clock::now() + 500ms};
//   client.call("counter", add{1});    // the counter's handler sees request "req-42", ~500 ms left
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/core/message.hpp"

namespace cleave {

/// The request context as it travels with a call: the id, and the time left when it was sent
/// (clocks of different processes do not agree, durations do).
struct request_context {
  std::string request_id;
  /// Nanoseconds left for the request when the call was sent; 0 = no deadline.
  int64_t budget_ns = 0;
};
CLEAVE_MESSAGE(request_context, request_id, budget_ns)

/// A new request id: 16 random lower-case hex characters (64 bits from a per-thread generator
/// seeded from std::random_device): unique enough to find a request's lines among a day's logs.
std::string random_request_id();

/// The request the current thread works for.
struct current_request_info {
  std::string request_id;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  /// True if the thread works for a request (it has an id or a deadline).
  bool active() const {
    return !request_id.empty() || deadline != std::chrono::steady_clock::time_point::max();
  }
};

/// `start + d`, or time_point::max() (no deadline) where that would overflow.
template <class Rep, class Period>
std::chrono::steady_clock::time_point deadline_after(std::chrono::steady_clock::time_point start,
                                                     std::chrono::duration<Rep, Period> d) {
  using time_point = std::chrono::steady_clock::time_point;
  // Compared in d's unit, into which the room left converts without overflow.
  auto room =
      std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(time_point::max() - start);
  if (d >= room) return time_point::max();
  return start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

/// The request the current thread works for (inactive if none).
const current_request_info& current_request();

/// The context to send with a call made now, from current_request().
request_context outgoing_request_context();

/// Makes the current thread work for a request for the scope's lifetime (restoring the previous
/// one after).
class request_scope {
 public:
  request_scope(std::string request_id, std::chrono::steady_clock::time_point deadline);
  /// Enters the context a call arrived with.
  explicit request_scope(const request_context& incoming);
  /// Enters a context saved earlier (e.g. by a callback that runs later).
  explicit request_scope(current_request_info info);
  ~request_scope();

  request_scope(const request_scope&) = delete;
  request_scope& operator=(const request_scope&) = delete;

 private:
  current_request_info previous_;
};

}  // namespace cleave
