// The log lines of "defaults.log_calls", which must tell what the caller got:
// - a handler that answers now is logged when it returns, with its answer;
// - one that takes its reply handle (reply_later) is logged when the handle is answered, wherever
//   that happens: the handle carries what the line needs (deferred_call_log);
// - one that delegates is logged as "delegated" with the component it handed the request to,
//   which logs the outcome itself, under the same request id;
// - a call that failed without an answer from its component (no reply within the deadline, not
//   reachable, connection lost) is logged by its caller, naming the component that did not answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

namespace cleave::detail {

struct component_stats;

/// The call a guarded handler serves on this thread, while "defaults.log_calls" logs it.
struct served_call {
  const component_stats* stats = nullptr;
  const char* op = "";
  std::chrono::steady_clock::time_point start;
  /// reply_later took the reply handle: the handle logs the call when it is answered.
  bool answered_later = false;
  /// cleave::delegate handed the request to this component ("" if it did not).
  std::string delegated_to;
};

/// The call served on this thread, or null (none, or "log_calls" is off).
served_call* current_served_call();

/// Sets current_served_call() for its lifetime.
class served_call_scope {
 public:
  explicit served_call_scope(served_call* call);
  ~served_call_scope();
  served_call_scope(const served_call_scope&) = delete;
  served_call_scope& operator=(const served_call_scope&) = delete;

 private:
  served_call* previous_;
};

/// What a reply handle needs to log its call once answered; empty when nothing is to be logged.
struct deferred_call_log {
  std::string node;
  std::string component;
  std::string op;
  std::string request_id;
  /// When the call was taken, in µs of the system clock (the handle may be answered on another
  /// node).
  int64_t started_us = 0;

  bool enabled() const { return !component.empty(); }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, deferred_call_log& x) {
    return f(caf::meta::type_name("cleave::deferred_call_log"), x.node, x.component, x.op,
             x.request_id, x.started_us);
  }
};

/// For reply_later: marks the call served on this thread as answered later and returns what its
/// handle must log (empty if no call is being logged).
deferred_call_log defer_served_call();

/// Logs a deferred call answered with `failure` (null or none: answered with a value).
void log_answered(const deferred_call_log& call, const caf::error* failure);

/// Logs the call a handler has just finished serving: with its answer (`failure`: null or none
/// for a value), as "delegated", or not at all when its reply handle will (`later`: the handler
/// did not answer).
void log_handler_done(const served_call& call, const caf::error* failure, bool later);

/// Logs, on the caller's side, call `component`.`op` that failed with `annotated` without an
/// answer from the component (see call.hpp's replica_failure), if `sys` logs calls.
void log_unanswered_call(const caf::actor_system& sys, const std::string& caller,
                         const std::string& component, const char* op, const caf::error& annotated,
                         std::chrono::steady_clock::duration elapsed);

}  // namespace cleave::detail
