#include "runtime/middleware/deadline.hpp"

#include <algorithm>
#include <string>

#include "runtime/core/error.hpp"
#include "runtime/core/request_context.hpp"

namespace cleave::middleware {

caf::expected<http_middleware> deadline(std::chrono::milliseconds timeout, clock_fn now) {
  if (timeout <= std::chrono::milliseconds::zero())
    return make_error(errc::invalid_argument,
                      "deadline.timeout: must be > 0 ms, found " + std::to_string(timeout.count()));
  return http_middleware{[timeout, now = std::move(now)](http_handler next) -> http_handler {
    return [timeout, now, next = std::move(next)](http_request& req, http_respond respond) {
      req.deadline = std::min(req.deadline, deadline_after(req.received, timeout));
      if (now() >= req.deadline) {
        respond(json_reply(504, R"({"error":"deadline exceeded"})"));
        return;
      }
      next(req, std::move(respond));
    };
  }};
}

}  // namespace cleave::middleware
