#include "runtime/middleware/request_log.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <string_view>

#include "runtime/core/log.hpp"

namespace cleave::middleware {

namespace {

// The longest prefix of `body` of at most `max` bytes that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view body, size_t max) {
  if (body.size() <= max) return body;
  size_t cut = max;
  // Back off over continuation bytes (10xxxxxx) so the cut falls before a character's lead byte.
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
  return body.substr(0, cut);
}

void add_body(boost::json::object& line, const char* key, const std::string& body, size_t max) {
  auto kept = utf8_prefix(body, max);
  line[key] = kept;
  if (kept.size() < body.size()) line[std::string{key} + "_truncated"] = true;
}

struct log_settings {
  std::string node;
  request_log_config cfg;
  log_sink sink;
  clock_fn now;
};

// Writes the line of `req`, answered with `res` (nullptr: its handler threw `exception`).
void emit(const log_settings& s, const http_request& req,
          std::chrono::steady_clock::time_point start, const http_response* res,
          const char* exception) {
  boost::json::object line;
  line["level"] = "info";
  line["node"] = s.node;
  line["msg"] = "request";
  line["method"] = req.method;
  line["path"] = req.path;
  line["route"] = req.route;
  line["status"] = res != nullptr ? res->status : 500;
  line["request_id"] = req.request_id;
  line["elapsed_us"] =
      std::chrono::duration_cast<std::chrono::microseconds>(s.now() - start).count();
  line["request_bytes"] = req.body.size();
  line["response_bytes"] = res != nullptr ? res->body.size() : 0;
  if (exception != nullptr) line["exception"] = exception;
  if (s.cfg.log_bodies) {
    add_body(line, "request_body", req.body, s.cfg.max_body_bytes);
    if (res != nullptr) add_body(line, "response_body", res->body, s.cfg.max_body_bytes);
  }
  s.sink(line);
}

}  // namespace

log_sink default_log_sink() {
  return [](const boost::json::object& line) {
    auto text = [&](const char* key) -> std::string_view {
      auto i = line.find(key);
      return i != line.end() && i->value().is_string() ? std::string_view{i->value().get_string()}
                                                       : std::string_view{};
    };
    // The line's own "level", "node" and "msg" take their places at the front (cleave::log).
    cleave::log(text("level"), text("node"), text("msg"), line);
  };
}

http_middleware request_log(std::string node, request_log_config cfg, log_sink sink, clock_fn now) {
  auto settings = std::make_shared<const log_settings>(
      log_settings{std::move(node), cfg, std::move(sink), std::move(now)});
  return [settings](http_handler next) -> http_handler {
    return [settings, next = std::move(next)](http_request& req, http_respond respond) {
      auto start = settings->now();
      // One line per request: a handler may answer and then throw (a sink that throws while
      // logging the answer is such a throw, and not the handler's failure), or answer twice.
      auto logged = std::make_shared<std::atomic<bool>>(false);
      try {
        next(req, [settings, &req, start, logged, respond = std::move(respond)](http_response res) {
          if (logged->exchange(true)) return;
          // Before answering: `req` may be gone once the answer is out.
          emit(*settings, req, start, &res, nullptr);
          respond(std::move(res));
        });
      } catch (const std::exception& e) {
        // Not answered, so `req` is still there to read.
        if (!logged->exchange(true)) emit(*settings, req, start, nullptr, e.what());
        throw;
      } catch (...) {
        if (!logged->exchange(true)) emit(*settings, req, start, nullptr, "unknown exception");
        throw;
      }
    };
  };
}

}  // namespace cleave::middleware
