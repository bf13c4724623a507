#include "runtime/component/call.hpp"

#include <caf/sec.hpp>

#include "runtime/core/error.hpp"

namespace cleave::detail {

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
  if (is(err, errc::unknown_component))
    return make_error(errc::unknown_component,
                      target + ": no component named \"" + component + "\" in this placement");
  if (err == caf::sec::unexpected_message)
    return make_error(errc::internal, target + ": the component does not handle " + op);
  return err;
}

}  // namespace cleave::detail
