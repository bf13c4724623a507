// HTTP requests and responses as plain values, and middleware as functions over handlers.
//
// The gateway (runtime/gateway/) turns each request read from a connection into an
// `http_request`, runs it through the chain of middleware around the route's handler, and writes
// the `http_response` the handler answers with. Handlers answer through a callback, now or later
// and from any thread: a typed route answers when its component's reply arrives, so no thread
// waits for it. Nothing here touches the network, so every middleware is tested with plain values:
//
//   cleave::http_handler inner = cleave::answer_now([](cleave::http_request&) {
//     return cleave::json_reply(200, "{}");
//   });
//   auto h = cleave::chain({request_id(), rate_limit(limiter)})(inner);  // request_id outermost
//   h(req, [](cleave::http_response res) { /* the answer */ });
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cleave {

struct http_request {
  /// "GET", "POST", ...
  std::string method;
  /// The path without the query, e.g. "/add".
  std::string path;
  /// The query string without '?', "" if none.
  std::string query;
  /// Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;
  /// Set by the router: the route's pattern ("/things/{id}"), "" when no route matched.
  std::string route;
  /// Set by the router: the values of the pattern's {params}.
  std::map<std::string, std::string> params;
  /// Set by the request-id middleware: the incoming X-Request-Id or a generated one.
  std::string request_id;
  /// When the gateway received the request.
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
  /// Deadline for everything the request causes; set by the deadline middleware (max() = none).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  /// The header `name` (lower case), or "" if absent.
  std::string header(const std::string& name) const {
    auto i = headers.find(name);
    return i != headers.end() ? i->second : std::string{};
  }
};

struct http_response {
  int status = 200;
  /// Extra headers, in order (Content-Type is set from `content_type`).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string body;
};

/// Answers a request. Call it once, from any thread; later calls are ignored.
using http_respond = std::function<void(http_response)>;

/// Answers `req` through `respond`, at once or later (from any thread). `req` stays valid and
/// unchanged by others until `respond` is called. A handler that throws before answering gets a
/// 500; one that drops `respond` without calling it gets a 500 when the last copy goes.
using http_handler = std::function<void(http_request& req, http_respond respond)>;

/// A handler that makes its answer at once, on the thread that called it.
using http_sync_handler = std::function<http_response(http_request&)>;

/// Wraps a handler (go-kit's endpoint middleware): may answer early, change the request on its
/// way in, or wrap `respond` to see and change the answer on its way out.
using http_middleware = std::function<http_handler(http_handler)>;

/// The handler that answers with `f(req)` at once.
inline http_handler answer_now(http_sync_handler f) {
  return [f = std::move(f)](http_request& req, const http_respond& respond) {
    respond(f(req));
  };
}

/// Composes middleware so that the first one is the outermost.
inline http_middleware chain(std::vector<http_middleware> mws) {
  return [mws = std::move(mws)](http_handler inner) {
    for (auto i = mws.rbegin(); i != mws.rend(); ++i) inner = (*i)(std::move(inner));
    return inner;
  };
}

/// A JSON response with `status` and `body`.
inline http_response json_reply(int status, std::string body) {
  http_response out;
  out.status = status;
  out.body = std::move(body);
  return out;
}

}  // namespace cleave
