// Test helpers: real HTTP over 127.0.0.1 with Poco's client, a raw-socket client for hostile
// clients (trickled bytes, no Host, idle connections), free ports, polling with deadlines.
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
  /// The server's address (an IPv4 or IPv6 literal).
  std::string host = "127.0.0.1";
};

/// Sends `call` to `call.host`:`port` on a new connection; status 0 and the error text as body if
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

/// A client on a raw socket to 127.0.0.1, for what a well-behaved client would not do: trickle
/// bytes, send no Host, keep a connection idle. Every wait is bounded.
class raw_client {
 public:
  /// Connects (throws std::runtime_error if it cannot).
  explicit raw_client(uint16_t port);
  ~raw_client();

  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  /// Sends `bytes` (without SIGPIPE); false if the connection is closed.
  bool send(const std::string& bytes);

  /// Sends `bytes` one at a time, `interval` apart, until all are sent, the connection closes, or
  /// data arrives from the server; true if all were sent.
  bool trickle(const std::string& bytes, std::chrono::milliseconds interval);

  /// True if data (or the server's close) can be read within `timeout`.
  bool readable_within(std::chrono::milliseconds timeout);

  /// Reads one response (head, and a body of its Content-Length) within `timeout`: status 0 if
  /// none came whole.
  http_reply read_reply(std::chrono::milliseconds timeout);

  /// True if the server closes the connection within `timeout` (reading and dropping data).
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string pending_;
};

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
