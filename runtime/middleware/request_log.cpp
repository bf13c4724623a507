#include "runtime/middleware/request_log.hpp"

#include <exception>
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

}  // namespace

log_sink default_log_sink() {
  return [](const boost::json::object& line) {
    auto text = [&](const char* key) -> std::string_view {
      auto i = line.find(key);
      return i != line.end() && i->value().is_string() ? std::string_view{i->value().get_string()}
                                                       : std::string_view{};
    };
    boost::json::object fields;
    for (const auto& kv : line)
      if (kv.key() != "level" && kv.key() != "node" && kv.key() != "msg")
        fields[kv.key()] = kv.value();
    cleave::log(text("level"), text("node"), text("msg"), fields);
  };
}

http_middleware request_log(std::string node, request_log_config cfg, log_sink sink, clock_fn now) {
  return [node = std::move(node), cfg, sink = std::move(sink),
          now = std::move(now)](http_handler next) -> http_handler {
    return [node, cfg, sink, now, next = std::move(next)](http_request& req) {
      auto start = now();
      auto emit = [&](const http_response* res, const char* exception) {
        boost::json::object line;
        line["level"] = "info";
        line["node"] = node;
        line["msg"] = "request";
        line["method"] = req.method;
        line["path"] = req.path;
        line["route"] = req.route;
        line["status"] = res != nullptr ? res->status : 500;
        line["request_id"] = req.request_id;
        line["elapsed_us"] =
            std::chrono::duration_cast<std::chrono::microseconds>(now() - start).count();
        line["request_bytes"] = req.body.size();
        line["response_bytes"] = res != nullptr ? res->body.size() : 0;
        if (exception != nullptr) line["exception"] = exception;
        if (cfg.log_bodies) {
          add_body(line, "request_body", req.body, cfg.max_body_bytes);
          if (res != nullptr) add_body(line, "response_body", res->body, cfg.max_body_bytes);
        }
        sink(line);
      };
      http_response res;
      try {
        res = next(req);
      } catch (const std::exception& e) {
        emit(nullptr, e.what());
        throw;
      } catch (...) {
        emit(nullptr, "unknown exception");
        throw;
      }
      // Outside the try: a sink that throws must not be logged as the handler's failure.
      emit(&res, nullptr);
      return res;
    };
  };
}

}  // namespace cleave::middleware
