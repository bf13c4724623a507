#include "runtime/middleware/metrics.hpp"

#include <array>
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

}  // namespace

http_middleware metrics(::cleave::metrics::registry& reg, clock_fn now) {
  namespace names = ::cleave::metrics::names;
  return [&reg, now = std::move(now)](http_handler next) -> http_handler {
    return [&reg, now, next = std::move(next)](http_request& req) {
      auto start = now();
      auto record = [&](int status) {
        auto method = method_label(req.method);
        auto route = req.route.empty() ? std::string{"unmatched"} : req.route;
        reg.counter(names::http_requests_total.name, names::http_requests_total.help,
                    {{"method", method}, {"route", route}, {"code", std::to_string(status)}})
            .inc();
        reg.histogram(names::http_request_duration_seconds.name,
                      names::http_request_duration_seconds.help,
                      {{"method", method}, {"route", route}})
            .observe(now() - start);
      };
      http_response res;
      try {
        res = next(req);
      } catch (...) {
        record(500);
        throw;
      }
      record(res.status);
      return res;
    };
  };
}

}  // namespace cleave::middleware
