#include "runtime/gateway/standard_edge.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <boost/json/serialize.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/core/error.hpp"
#include "runtime/core/json.hpp"
#include "runtime/core/log.hpp"
#include "runtime/core/message.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/middleware/deadline.hpp"
#include "runtime/middleware/metrics.hpp"
#include "runtime/middleware/rate_limit.hpp"
#include "runtime/middleware/request_id.hpp"
#include "runtime/middleware/request_log.hpp"

namespace cleave {

namespace {

struct rate_limit_settings {
  double rate = 0;
  int64_t burst = 0;
};
CLEAVE_MESSAGE(rate_limit_settings, rate, burst)

struct request_log_settings {
  /// Log request and response bodies; default false.
  std::optional<bool> bodies;
  /// Longest body logged; default 1024.
  std::optional<int64_t> max_body_bytes;
  /// Log requests at all; default true.
  std::optional<bool> enabled;
};
CLEAVE_MESSAGE(request_log_settings, bodies, max_body_bytes, enabled)

struct metrics_settings {
  /// Count requests and serve /metrics and /debug/vars; default true.
  std::optional<bool> enabled;
};
CLEAVE_MESSAGE(metrics_settings, enabled)

/// Decodes an optional config object; a bad one fails the gateway's start naming the key.
template <class T>
std::optional<T> decode(const std::optional<boost::json::object>& obj, const char* key) {
  if (!obj) return std::nullopt;
  auto x = from_json<T>(boost::json::value(*obj));
  if (!x) throw std::invalid_argument(std::string{"config."} + key + ": " + what(x.error()));
  return std::move(*x);
}

std::vector<http_middleware> standard_middleware(const gateway_settings& s) {
  std::vector<http_middleware> out;
  out.push_back(middleware::request_id());
  auto log = decode<request_log_settings>(s.request_log, "request_log");
  if (!log || log->enabled.value_or(true)) {
    middleware::request_log_config cfg;
    if (log) {
      cfg.log_bodies = log->bodies.value_or(false);
      if (log->max_body_bytes) {
        if (*log->max_body_bytes < 0)
          throw std::invalid_argument("config.request_log.max_body_bytes: must be >= 0");
        cfg.max_body_bytes = static_cast<size_t>(*log->max_body_bytes);
      }
    }
    out.push_back(middleware::request_log(s.node, cfg));
  }
  auto m = decode<metrics_settings>(s.metrics, "metrics");
  if (!m || m->enabled.value_or(true))
    out.push_back(middleware::metrics(metrics::default_registry()));
  // A client's own budget bounds the calls the request causes, on every node (one hour at most:
  // no call needs more, and clock arithmetic stays far from overflow).
  out.push_back(middleware::client_deadline(std::chrono::hours(1)));
  if (auto limit = decode<rate_limit_settings>(s.rate_limit, "rate_limit")) {
    auto bucket = middleware::token_bucket::make({limit->rate, limit->burst});
    if (!bucket) throw std::invalid_argument("config." + what(bucket.error()));
    // Probes and scrapes must work while clients are throttled.
    auto limited = middleware::rate_limit(*bucket);
    out.push_back([limited](http_handler next) -> http_handler {
      auto throttled = limited(next);
      return [next, throttled](http_request& req, http_respond respond) {
        bool observability = req.route == "/metrics" || req.route == "/debug/vars" ||
                             req.route == "/healthz" || req.route == "/readyz";
        (observability ? next : throttled)(req, std::move(respond));
      };
    });
  }
  return out;
}

http_response text_reply(std::string body, std::string_view content_type) {
  http_response out;
  out.content_type = std::string{content_type};
  out.body = std::move(body);
  return out;
}

/// expvar's view, plus "request.count": every request the gateways of this process answered.
std::string debug_vars() {
  auto vars = metrics::default_registry().expvar();
  int64_t requests = 0;
  constexpr std::string_view prefix = "http_requests_total";
  for (const auto& kv : vars) {
    std::string_view key = kv.key();
    if (key.substr(0, prefix.size()) == prefix && kv.value().is_number())
      requests += kv.value().to_number<int64_t>();
  }
  vars["request.count"] = requests;
  return boost::json::serialize(vars);
}

/// What /readyz needs from the gateway's settings, known when the gateway starts.
struct readiness_settings {
  caf::actor_system* system = nullptr;
  /// "readyz_detail": name what cannot be reached in the body.
  bool detail = false;
  std::string node;
  std::string gateway;
};

/// 200 while every component a route calls can be reached, else 503: `{"error":"not ready"}`,
/// the detail (what cannot be reached, and where) logged; in the body too if `s.detail`.
http_response readiness(const http_request& req, const std::vector<std::string>& components,
                        const readiness_settings& s) {
  std::string missing;
  if (s.system == nullptr) {
    missing = "the gateway has not started";
  } else {
    // A component of this node that has ended leaves the node not ready, called or not.
    if (auto err = detail::check_running(*s.system)) missing = describe(err);
    for (const auto& name : components)
      if (auto err = detail::check_reachable(*s.system, name, std::chrono::seconds(1)))
        missing += (missing.empty() ? "" : "; ") + describe(err);
  }
  if (missing.empty()) return json_reply(200, R"({"status":"ready"})");
  if (s.detail) return error_reply(503, "not ready: " + missing, req.request_id);
  log("warning", s.node, "not ready",
      {{"component", s.gateway}, {"request_id", req.request_id}, {"error", missing}});
  return error_reply(503, "not ready", req.request_id);
}

}  // namespace

void add_standard_edge(routes& r) {
  r.middleware_factory_first(standard_middleware);
  if (!r.contains("GET", "/metrics"))
    r.add_raw("GET", "/metrics", [](http_request&) {
      return text_reply(metrics::default_registry().prometheus_text(),
                        metrics::prometheus_content_type);
    });
  if (!r.contains("GET", "/readyz")) {
    auto called = r.called();
    // A factory, not a plain route: the check needs the gateway's actor system and settings.
    auto settings = std::make_shared<readiness_settings>();
    r.middleware_factory_first([settings](const gateway_settings& s) {
      *settings = readiness_settings{s.system, s.readyz_detail, s.node, s.name};
      return std::vector<http_middleware>{};
    });
    r.add_raw("GET", "/readyz",
              [called, settings](http_request& req) { return readiness(req, called, *settings); });
  }
  if (!r.contains("GET", "/debug/vars"))
    r.add_raw("GET", "/debug/vars", [](http_request&) { return json_reply(200, debug_vars()); });
}

}  // namespace cleave
