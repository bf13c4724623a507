// Test helpers: real HTTP over 127.0.0.1 with Poco's client, free ports, polling with deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gateway_test {

struct http_reply {
  int status = 0;
  /// Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string& name) const {
    auto i = headers.find(name);
    return i != headers.end() ? i->second : std::string{};
  }
};

struct http_call {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  /// Sent as Content-Type when there is a body.
  std::optional<std::string> content_type = std::string{"application/json"};
  std::vector<std::pair<std::string, std::string>> headers;
  /// Send the body chunked rather than with a Content-Length.
  bool chunked = false;
  /// Send "Expect: 100-continue" and the body only once the server says 100 Continue.
  bool expect_continue = false;
  /// Set by http(): the body was sent.
  mutable bool body_sent = false;
};

/// Sends `call` to 127.0.0.1:`port` on a new connection; status 0 and the error text as body if
/// the exchange failed. Bounded by a 10 s socket timeout.
http_reply http(uint16_t port, const http_call& call);

inline http_reply get(uint16_t port, std::string target) {
  http_call c;
  c.target = std::move(target);
  return http(port, c);
}

inline http_reply post(uint16_t port, std::string target, std::string body) {
  http_call c;
  c.method = "POST";
  c.target = std::move(target);
  c.body = std::move(body);
  return http(port, c);
}

/// Polls `done` every `interval` until it is true or `timeout` passes; returns its last value.
inline bool poll_until(std::chrono::milliseconds timeout, const std::function<bool()>& done,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace gateway_test
