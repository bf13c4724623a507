#include "runtime/middleware/deadline.hpp"

#include <algorithm>
#include <string>

#include "runtime/core/error.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/gateway/errors.hpp"

namespace cleave::middleware {

caf::expected<http_middleware> deadline(std::chrono::milliseconds timeout, clock_fn now) {
  if (timeout <= std::chrono::milliseconds::zero())
    return make_error(errc::invalid_argument,
                      "deadline.timeout: must be > 0 ms, found " + std::to_string(timeout.count()));
  return http_middleware{[timeout, now = std::move(now)](http_handler next) -> http_handler {
    return [timeout, now, next = std::move(next)](http_request& req, http_respond respond) {
      req.deadline = std::min(req.deadline, deadline_after(req.received, timeout));
      if (now() >= req.deadline) {
        respond(error_reply(504, "deadline exceeded", req.request_id));
        return;
      }
      next(req, std::move(respond));
    };
  }};
}

http_middleware client_deadline(std::chrono::milliseconds max, clock_fn now) {
  return [max, now = std::move(now)](http_handler next) -> http_handler {
    return [max, now, next = std::move(next)](http_request& req, http_respond respond) {
      auto text = req.header(request_deadline_header);
      if (text.empty()) {
        next(req, std::move(respond));
        return;
      }
      int64_t ms = 0;
      bool valid = text.size() <= 12 && std::all_of(text.begin(), text.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
      if (valid) ms = std::stoll(text);
      if (!valid || ms < 1 || ms > max.count()) {
        respond(error_reply(400,
                            "X-Request-Deadline: expected a whole number of milliseconds from 1 "
                            "to " +
                                std::to_string(max.count()),
                            req.request_id));
        return;
      }
      req.deadline =
          std::min(req.deadline, deadline_after(req.received, std::chrono::milliseconds{ms}));
      if (now() >= req.deadline) {
        respond(error_reply(504, "deadline exceeded", req.request_id));
        return;
      }
      next(req, std::move(respond));
    };
  };
}

}  // namespace cleave::middleware
