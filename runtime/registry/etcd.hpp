// A client of etcd's v3 JSON gateway (HTTP/1.1 POSTs, keys and values base64 in JSON): the few
// calls a registry needs. There is no packaged C++ etcd client; the gateway's shapes are measured
// in ../shared/notes/etcd-v3-json-gateway.md. The only HTTP client in the runtime.
//
//   registry::etcd_client etcd{{"127.0.0.1", 2379}, 1000ms};
//   auto lease = etcd.grant(std::chrono::seconds(5));
//   if (lease) etcd.put("/cleave/banano/instances/store@127.0.0.1:7101", "{...}", *lease);
//
// Every call opens its own connection and takes at most the client's timeout (a watch: until
// nothing arrived for its idle time). Calls block; cancel() ends a running one from another
// thread. Errors are `unavailable` naming what failed (etcd unreachable, an HTTP or etcd error),
// or `deadline_exceeded` when etcd did not answer in time (a watch: nothing arrived for its idle
// time).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace cleave::registry {

struct etcd_endpoint {
  std::string host;
  uint16_t port = 0;
  /// "host:port", for messages.
  std::string text() const { return host + ":" + std::to_string(port); }
};

struct key_value {
  std::string key;
  std::string value;
};

/// What a range over a prefix found, at `revision`.
struct range_result {
  int64_t revision = 0;
  std::vector<key_value> kvs;
};

/// A change under a watched prefix: a put, or a delete (a lease that lapsed deletes too).
struct watch_event {
  bool deleted = false;
  key_value kv;
};

class etcd_client {
 public:
  etcd_client(etcd_endpoint endpoint, std::chrono::milliseconds timeout);

  /// A new lease of `ttl`; its id (a decimal string: ids exceed a double's precision).
  caf::expected<std::string> grant(std::chrono::seconds ttl);
  /// Renews `lease`; the seconds it has left, or 0 if it is gone (it lapsed or was revoked).
  caf::expected<int64_t> keep_alive(const std::string& lease);
  caf::error revoke(const std::string& lease);
  /// Puts `key` = `value`, attached to `lease` ("" = none).
  caf::error put(const std::string& key, const std::string& value, const std::string& lease);
  /// Deletes `key` (nothing if it is absent).
  caf::error erase(const std::string& key);
  /// Every key starting with `prefix`.
  caf::expected<range_result> range_prefix(const std::string& prefix);

  using event_handler = std::function<void(const std::vector<watch_event>&, int64_t revision)>;
  /// Watches the keys starting with `prefix` from `from_revision` on, calling `on_events` with
  /// each batch as it arrives, until the connection fails, nothing arrives for `idle`, etcd
  /// cancels the watch, or cancel() is called. Always returns an error saying which.
  caf::error watch_prefix(const std::string& prefix, int64_t from_revision,
                          const event_handler& on_events, std::chrono::milliseconds idle);

  /// Ends the running call (any thread) and every later one until reset().
  void cancel();
  void reset();

  const etcd_endpoint& endpoint() const { return endpoint_; }

 private:
  /// POSTs `body` to `target`; the JSON object answered.
  caf::expected<std::string> post(const std::string& target, const std::string& body);
  caf::expected<int> open();
  void close(int fd);

  etcd_endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  /// The socket of the running call (-1: none), which cancel() shuts down.
  int running_fd_ = -1;
  std::atomic<bool> cancelled_{false};
};

/// Base64 of `bytes` (standard alphabet, padded), as etcd's JSON wants keys and values.
std::string base64_encode(const std::string& bytes);
/// The bytes of base64 `text`, or false if it is not base64.
bool base64_decode(const std::string& text, std::string& out);

/// The end of the range of keys starting with `prefix` (etcd's "range_end").
std::string prefix_end(std::string prefix);

}  // namespace cleave::registry
