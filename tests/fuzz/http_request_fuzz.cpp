// libFuzzer target: the gateway's HTTP request parsing (runtime/gateway/detail/http_server.cpp).
// An http_server with a small dispatch table is started once on 127.0.0.1 (any free port, short
// timeouts); each input is written to it over a fresh connection as raw bytes, the connection is
// half-closed, and the answer is read until the server closes. The server must not crash, must
// answer in HTTP (or not at all) and must let go of every connection soon after the client's
// end: a connection still open 10 s after it traps, as does a server that stops accepting.
//
// Run with -close_fd_mask=2 (scripts/fuzz does): the server logs a line per refused request.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "runtime/core/json.hpp"
#include "runtime/gateway/detail/http_server.hpp"
#include "runtime/gateway/http.hpp"
#include "runtime/gateway/router.hpp"
#include "runtime/middleware/request_id.hpp"
#include "tests/fuzz/fuzz_socket.hpp"
#include "tests/runtime/core/test_messages.hpp"

namespace {

using namespace std::chrono_literals;

/// Answers requests of the /later route from a thread of its own, as a typed route's answer
/// arrives from an actor: the server must then write it from another thread's call.
class later_answers {
 public:
  later_answers() : worker_([this] { run(); }) { worker_.detach(); }

  void push(cleave::http_respond respond) {
    std::lock_guard<std::mutex> guard{mutex_};
    queue_.push_back(std::move(respond));
    ready_.notify_one();
  }

 private:
  void run() {
    for (;;) {
      cleave::http_respond respond;
      {
        std::unique_lock<std::mutex> guard{mutex_};
        ready_.wait(guard, [this] { return !queue_.empty(); });
        respond = std::move(queue_.front());
        queue_.pop_front();
      }
      respond(cleave::json_reply(202, "{}"));
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<cleave::http_respond> queue_;
  std::thread worker_;
};

cleave::http_response echo_point(cleave::http_request& req) {
  auto p = cleave::from_json_text<core_test::point>(req.body);
  if (!p) return cleave::json_reply(400, "{}");
  return cleave::json_reply(200, cleave::to_json_text(*p));
}

std::shared_ptr<const cleave::detail::dispatch_table> make_table(later_answers& later) {
  auto table = std::make_shared<cleave::detail::dispatch_table>();
  auto add = [&](const char* method, const char* pattern, cleave::http_handler h) {
    table->routes.add(method, pattern, table->handlers.size());
    table->handlers.push_back(std::move(h));
  };
  auto wrap = cleave::chain({cleave::middleware::request_id()});
  add("POST", "/points", wrap(cleave::answer_now(echo_point)));
  add("GET", "/things/{id}", wrap(cleave::answer_now([](cleave::http_request& req) {
        return cleave::json_reply(200, "{\"id\":" + std::to_string(req.params["id"].size()) + "}");
      })));
  add("PUT", "/things/{id}", wrap(cleave::answer_now([](cleave::http_request& req) {
        return cleave::json_reply(200, "{\"n\":" + std::to_string(req.body.size()) + "}");
      })));
  add("DELETE", "/things/{id}/tags/{tag}",
      wrap(cleave::answer_now([](cleave::http_request&) { return cleave::json_reply(204, ""); })));
  add("POST", "/later", wrap([&later](cleave::http_request&, cleave::http_respond respond) {
        later.push(std::move(respond));
      }));
  table->wrap = wrap;
  return table;
}

struct server {
  later_answers later;
  std::unique_ptr<cleave::detail::http_server> http;
  uint16_t port = 0;

  server() {
    cleave::detail::server_config config;
    config.name = "gateway";
    config.node = "fuzz";
    config.host = "127.0.0.1";
    config.port = 0;
    config.max_connections = 64;
    config.body_limit = 16 * 1024;
    config.header_timeout = 1000ms;
    config.body_timeout = 1000ms;
    config.idle_timeout = 1000ms;
    config.write_timeout = 1000ms;
    http = std::make_unique<cleave::detail::http_server>(config);
    port = http->port();
    http->start(make_table(later));
  }
};

/// Started on the first input and never stopped: libFuzzer ends the process with exit().
server& the_server() {
  static auto* s = new server;
  return *s;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& s = the_server();
  int fd = fuzz::connect_local(s.port);
  if (fd < 0) __builtin_trap();  // the server stopped accepting
  fuzz::send_all(fd, data, size);
  ::shutdown(fd, SHUT_WR);
  auto answer = fuzz::drain(fd, 10s);
  fuzz::close_hard(fd);
  if (!answer.closed) __builtin_trap();  // the server holds a connection its client ended
  if (!answer.bytes.empty() && !starts_with(answer.bytes, "HTTP/1.1 ") &&
      !starts_with(answer.bytes, "HTTP/1.0 "))
    __builtin_trap();  // something that is not an HTTP answer
  return 0;
}
