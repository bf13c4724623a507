#include "runtime/middleware/metrics.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/metrics/names.hpp"

namespace cleave::middleware {

namespace {

// A label value per method the HTTP RFCs define; anything else is "other", so that a client
// sending random methods cannot create unbounded series.
std::string method_label(const std::string& method) {
  static constexpr std::array<std::string_view, 9> known{
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (auto m : known)
    if (method == m) return method;
  return "other";
}

// Counts one answered request and observes how long it took.
void record(::cleave::metrics::registry& reg, const http_request& req, int status,
            std::chrono::steady_clock::duration elapsed) {
  namespace names = ::cleave::metrics::names;
  auto method = method_label(req.method);
  auto route = req.route.empty() ? std::string{"unmatched"} : req.route;
  reg.counter(names::http_requests_total.name, names::http_requests_total.help,
              {{"method", method}, {"route", route}, {"code", std::to_string(status)}})
      .inc();
  reg.histogram(names::http_request_duration_seconds.name,
                names::http_request_duration_seconds.help, {{"method", method}, {"route", route}})
      .observe(elapsed);
}

}  // namespace

http_middleware metrics(::cleave::metrics::registry& reg, clock_fn now) {
  return [&reg, now = std::move(now)](http_handler next) -> http_handler {
    return [&reg, now, next = std::move(next)](http_request& req, http_respond respond) {
      auto start = now();
      // Recorded once: a handler may answer and then throw, or answer twice.
      auto recorded = std::make_shared<std::atomic<bool>>(false);
      try {
        next(req,
             [&reg, &req, now, start, recorded, respond = std::move(respond)](http_response res) {
               if (recorded->exchange(true)) return;
               // Before answering: `req` may be gone once the answer is out.
               record(reg, req, res.status, now() - start);
               respond(std::move(res));
             });
      } catch (...) {
        // Not answered, so `req` is still there to read.
        if (!recorded->exchange(true)) record(reg, req, 500, now() - start);
        throw;
      }
    };
  };
}

}  // namespace cleave::middleware
