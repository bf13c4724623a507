#include "runtime/registry/etcd.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "runtime/core/error.hpp"
#include "runtime/transport/detail/dial.hpp"

namespace cleave::registry {

namespace http = boost::beast::http;
namespace json = boost::json;
using steady = std::chrono::steady_clock;

namespace {

/// Largest answer or watch message read (a registry's are a few KiB): more ends the call.
constexpr size_t max_message_bytes = size_t{4} << 20;

const char* base64_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int64_t int_of(const json::value* v) {
  if (v == nullptr) return 0;  // the gateway leaves out zeros
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_string()) {
    try {
      return std::stoll(std::string{v->get_string()});
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

std::string string_of(const json::value* v) {
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

/// The key and value of an etcd "kv" object, decoded.
bool decode_kv(const json::object& kv, key_value& out) {
  return base64_decode(string_of(kv.if_contains("key")), out.key) &&
         base64_decode(string_of(kv.if_contains("value")), out.value);
}

caf::error unavailable(const std::string& what) {
  return make_error(errc::unavailable, "etcd: " + what);
}

}  // namespace

// -- base64 and ranges ---------------------------------------------------------------------------

std::string base64_encode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                 (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += base64_alphabet[(n >> shift) & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) n |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    out += base64_alphabet[(n >> 18) & 63];
    out += base64_alphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? base64_alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool base64_decode(const std::string& text, std::string& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  uint32_t n = 0;
  int bits = 0;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      // Padding only at the end, at most two.
      if (i + 2 < text.size()) return false;
      ++padding;
      continue;
    }
    if (padding > 0) return false;
    const char* p = std::strchr(base64_alphabet, c);
    if (p == nullptr || c == '\0') return false;
    n = (n << 6) | static_cast<uint32_t>(p - base64_alphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((n >> bits) & 0xFF);
    }
  }
  return true;
}

std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last < 0xFF) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

// -- one call ------------------------------------------------------------------------------------

etcd_client::etcd_client(etcd_endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

void etcd_client::cancel() {
  std::lock_guard<std::mutex> guard{mutex_};
  cancelled_ = true;
  // Wakes a call waiting in poll(): its socket reads end-of-file.
  if (running_fd_ >= 0) ::shutdown(running_fd_, SHUT_RDWR);
}

void etcd_client::reset() {
  cancelled_ = false;
}

caf::expected<int> etcd_client::open() {
  if (cancelled_) return unavailable("cancelled");
  auto fd = transport::detail::dial(endpoint_.host, endpoint_.port, timeout_);
  if (!fd) return unavailable(what(fd.error()));
  std::lock_guard<std::mutex> guard{mutex_};
  if (cancelled_) {
    ::close(*fd);
    return unavailable("cancelled");
  }
  running_fd_ = *fd;
  return *fd;
}

void etcd_client::close(int fd) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (running_fd_ == fd) running_fd_ = -1;
  ::close(fd);
}

namespace {

/// Writes all of `data` to non-blocking `fd` before `deadline`.
caf::error send_all(int fd, const std::string& data, steady::time_point deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return unavailable(std::string{"sending: "} + std::strerror(errno));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    pollfd p{fd, POLLOUT, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0)
      return unavailable("sending: timed out");
  }
  return caf::none;
}

/// Reads from non-blocking `fd` into `parser` until it has a whole message. `deadline_of` gives
/// the time by which the next bytes must have arrived (it moves on with each read for a watch).
template <class Parser, class Deadline>
caf::error receive(int fd, Parser& parser, Deadline deadline_of) {
  std::string pending;
  char buf[8192];
  while (!parser.is_done()) {
    auto deadline = deadline_of();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    pollfd p{fd, POLLIN, 0};
    int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (ready == 0) return make_error(errc::deadline_exceeded, "etcd: no answer in time");
    if (ready < 0 && errno != EINTR) return unavailable(std::strerror(errno));
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return unavailable(std::string{"receiving: "} + std::strerror(errno));
    }
    if (n == 0) {
      boost::beast::error_code ec;
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return unavailable("the connection was closed");
      break;
    }
    pending.append(buf, static_cast<size_t>(n));
    if (pending.size() > max_message_bytes) return unavailable("an answer over 4 MiB");
    while (!pending.empty() && !parser.is_done()) {
      boost::beast::error_code ec;
      size_t used = 0;
      try {
        used = parser.put(boost::asio::buffer(pending), ec);
      } catch (const std::exception& e) {
        // What the body does with the bytes (allocating, a handler) may throw.
        return unavailable(std::string{"reading the answer: "} + e.what());
      }
      pending.erase(0, used);
      if (ec == http::error::need_more) break;
      if (ec) return unavailable("a malformed answer: " + ec.message());
      if (used == 0) break;
    }
  }
  return caf::none;
}

std::string request_text(const etcd_endpoint& ep, const std::string& target,
                         const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: " + ep.text() +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

/// etcd's own error text in an error answer, else the status.
std::string error_text(unsigned status, const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object())
    if (auto msg = string_of(v.get_object().if_contains("message")); !msg.empty())
      return "HTTP " + std::to_string(status) + ": " + msg;
  return "HTTP " + std::to_string(status);
}

}  // namespace

caf::expected<std::string> etcd_client::post(const std::string& target, const std::string& body) {
  auto deadline = steady::now() + timeout_;
  auto fd = open();
  if (!fd) return std::move(fd.error());
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_message_bytes);
  auto err = send_all(*fd, request_text(endpoint_, target, body), deadline);
  if (!err) err = receive(*fd, parser, [deadline] { return deadline; });
  close(*fd);
  if (err) return err;
  auto& res = parser.get();
  if (res.result_int() != 200) return unavailable(error_text(res.result_int(), res.body()));
  return std::move(res.body());
}

namespace {

/// The JSON object in `text`, or an error naming the call.
caf::expected<json::object> object_of(const std::string& text, const char* call) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return unavailable(std::string{call} + ": not a JSON object");
  return std::move(v.get_object());
}

}  // namespace

caf::expected<std::string> etcd_client::grant(std::chrono::seconds ttl) {
  auto text = post("/v3/lease/grant", json::serialize(json::object{{"TTL", ttl.count()}}));
  if (!text) return std::move(text.error());
  auto obj = object_of(*text, "lease grant");
  if (!obj) return std::move(obj.error());
  auto id = int_of(obj->if_contains("ID"));
  if (id == 0) return unavailable("lease grant: no lease id in the answer");
  return std::to_string(id);
}

caf::expected<int64_t> etcd_client::keep_alive(const std::string& lease) {
  auto text = post("/v3/lease/keepalive", json::serialize(json::object{{"ID", lease}}));
  if (!text) return std::move(text.error());
  // A stream of results; the first is the one this request asked for.
  auto line = text->substr(0, text->find('\n'));
  auto obj = object_of(line, "lease keepalive");
  if (!obj) return std::move(obj.error());
  const auto* result = obj->if_contains("result");
  if (result == nullptr || !result->is_object())
    return unavailable("lease keepalive: " + (obj->contains("error")
                                                  ? string_of(obj->if_contains("message"))
                                                  : std::string{"no result"}));
  // An expired lease is answered without a TTL.
  return int_of(result->get_object().if_contains("TTL"));
}

caf::error etcd_client::revoke(const std::string& lease) {
  auto text = post("/v3/lease/revoke", json::serialize(json::object{{"ID", lease}}));
  return text ? caf::none : std::move(text.error());
}

caf::error etcd_client::put(const std::string& key, const std::string& value,
                            const std::string& lease) {
  json::object body{{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (!lease.empty()) body["lease"] = lease;
  auto text = post("/v3/kv/put", json::serialize(body));
  return text ? caf::none : std::move(text.error());
}

caf::error etcd_client::erase(const std::string& key) {
  auto text =
      post("/v3/kv/deleterange", json::serialize(json::object{{"key", base64_encode(key)}}));
  return text ? caf::none : std::move(text.error());
}

caf::expected<range_result> etcd_client::range_prefix(const std::string& prefix) {
  auto text = post("/v3/kv/range",
                   json::serialize(json::object{{"key", base64_encode(prefix)},
                                                {"range_end", base64_encode(prefix_end(prefix))}}));
  if (!text) return std::move(text.error());
  auto obj = object_of(*text, "range");
  if (!obj) return std::move(obj.error());
  range_result out;
  if (const auto* header = obj->if_contains("header"); header != nullptr && header->is_object())
    out.revision = int_of(header->get_object().if_contains("revision"));
  if (const auto* kvs = obj->if_contains("kvs"); kvs != nullptr && kvs->is_array())
    for (const auto& kv : kvs->get_array()) {
      key_value x;
      if (kv.is_object() && decode_kv(kv.get_object(), x)) out.kvs.push_back(std::move(x));
    }
  return out;
}

caf::error etcd_client::watch_prefix(const std::string& prefix, int64_t from_revision,
                                     const event_handler& on_events,
                                     std::chrono::milliseconds idle) {
  json::object create{{"key", base64_encode(prefix)},
                      {"range_end", base64_encode(prefix_end(prefix))}};
  if (from_revision > 0) create["start_revision"] = from_revision;
  auto body = json::serialize(json::object{{"create_request", std::move(create)}});
  auto fd = open();
  if (!fd) return std::move(fd.error());
  auto next_by = steady::now() + timeout_;
  caf::error stop;  // set by the chunk handler: why the watch ends
  std::string line;
  // One JSON message per line, in chunks that may split or join lines.
  auto on_message = [&](const std::string& text) {
    auto obj = object_of(text, "watch");
    if (!obj) {
      stop = obj.error();
      return;
    }
    const auto* result = obj->if_contains("result");
    if (result == nullptr || !result->is_object()) {
      stop = unavailable("watch: " + string_of(obj->if_contains("message")));
      return;
    }
    const auto& r = result->get_object();
    if (const auto* canceled = r.if_contains("canceled");
        canceled != nullptr && canceled->is_bool() && canceled->get_bool()) {
      auto compacted = int_of(r.if_contains("compact_revision"));
      stop = unavailable(compacted > 0 ? "watch: history compacted up to revision " +
                                             std::to_string(compacted)
                                       : "watch: cancelled by etcd");
      return;
    }
    int64_t revision = 0;
    if (const auto* header = r.if_contains("header"); header != nullptr && header->is_object())
      revision = int_of(header->get_object().if_contains("revision"));
    std::vector<watch_event> events;
    if (const auto* list = r.if_contains("events"); list != nullptr && list->is_array())
      for (const auto& e : list->get_array()) {
        if (!e.is_object()) continue;
        const auto* kv = e.get_object().if_contains("kv");
        if (kv == nullptr || !kv->is_object()) continue;
        watch_event ev;
        ev.deleted = string_of(e.get_object().if_contains("type")) == "DELETE";
        if (decode_kv(kv->get_object(), ev.kv)) events.push_back(std::move(ev));
      }
    if (!events.empty()) on_events(events, revision);
  };
  http::response_parser<http::string_body> parser;
  // Chunks count against the limit too: a watch that has delivered 4 MiB ends, and is opened
  // again by its caller (a plain body announcing more is refused before anything is allocated).
  parser.body_limit(max_message_bytes);
  auto on_chunk = [&](std::uint64_t, boost::beast::string_view data,
                      boost::beast::error_code& ec) -> std::size_t {
    next_by = steady::now() + idle;
    for (char c : data) {
      if (c != '\n') {
        line += c;
        continue;
      }
      if (!line.empty()) on_message(line);
      line.clear();
      if (stop) {
        ec = http::error::body_limit;  // ends the read
        return 0;
      }
    }
    if (line.size() > max_message_bytes) {
      stop = unavailable("watch: a message over 4 MiB");
      ec = http::error::body_limit;
    }
    return data.size();
  };
  parser.on_chunk_body(on_chunk);
  auto err = send_all(*fd, request_text(endpoint_, "/v3/watch", body), next_by);
  if (!err) err = receive(*fd, parser, [&] { return next_by; });
  close(*fd);
  if (stop) return stop;
  if (err) return err;
  if (parser.get().result_int() != 200)
    return unavailable("watch: HTTP " + std::to_string(parser.get().result_int()));
  return unavailable("watch: the stream ended");
}

}  // namespace cleave::registry
