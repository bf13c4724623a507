#include "runtime/component/call.hpp"

#include <caf/sec.hpp>

#include "runtime/core/error.hpp"

namespace cleave::detail {

caf::timespan within_request(caf::timespan timeout) {
  const auto& request = current_request();
  if (request.deadline == std::chrono::steady_clock::time_point::max()) return timeout;
  auto left = request.deadline - std::chrono::steady_clock::now();
  return std::max(std::min<caf::timespan>(timeout, left), caf::timespan{0});
}

std::string unknown_component_message(const std::string& component, const char* op) {
  return component + "." + op + ": no component named \"" + component + "\" in this placement";
}

caf::error annotate_call_error(caf::error err, const std::string& component, const char* op,
                               caf::timespan timeout) {
  auto target = component + "." + op;
  if (err == caf::sec::request_timeout) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
    return make_error(errc::deadline_exceeded,
                      target + ": no reply within the deadline of " + std::to_string(ms) + " ms");
  }
  if (err == caf::sec::request_receiver_down)
    return make_error(errc::unavailable, target + ": the component is down");
  // Only the directory's fallback answers with the bare text; an unknown_component error from
  // further down names its own missing component already and travels unchanged.
  if (is(err, errc::unknown_component) && what(err) == unknown_component_text)
    return make_error(errc::unknown_component, unknown_component_message(component, op));
  if (err == caf::sec::unexpected_message)
    return make_error(errc::internal, target + ": the component does not handle " + op +
                                          " (or its node does not know that message type: do all "
                                          "nodes run the same build?)");
  return err;
}

bool replica_failure(const caf::error& annotated) {
  if (!annotated) return false;
  return is(annotated, errc::unavailable) || is(annotated, errc::outcome_unknown) ||
         is(annotated, errc::deadline_exceeded);
}

std::string calling_component() {
  const auto* caller = current_caller();
  return caller != nullptr ? *caller : std::string{};
}

void note_failed_call(const caf::actor_system& sys, const std::string& caller,
                      const std::string& component, const char* op, const caf::error& annotated,
                      std::chrono::steady_clock::duration elapsed) {
  if (!replica_failure(annotated) && !is(annotated, errc::unknown_component)) return;
  // An error that names another component failed further down, and reached this caller as the
  // called component's answer (a relay passing on its own call's timeout): that component's
  // caller logs it. The runtime's errors for this call start with its name ("users.get_user: no
  // reply ...", "users on node ...", "users is not running ...").
  auto text = what(annotated);
  if (text.size() <= component.size() || text.compare(0, component.size(), component) != 0) return;
  auto next = text[component.size()];
  if (next != '.' && next != ' ' && next != ':') return;
  log_unanswered_call(sys, caller, component, op, annotated, elapsed);
}

caf::error circuit_open(const std::string& component, const char* op) {
  return make_error(errc::unavailable, component + "." + op + ": circuit open");
}

}  // namespace cleave::detail
