// cleave_bench_chain_http_service: one step of B5's chain as a hand-split HTTP/JSON service, what
// a team would write without cleave: a plain Poco HTTPServer (Poco's default parameters, as the
// poco_server peer) serving
//
//   POST /step {"payload":"...","counter":N}  ->  {"payload":"...","counter":M}
//
// It adds 1 to the counter and, unless it is the last service, calls the next service's
// POST /step with that and answers with the next one's answer (re-encoded, as a service that
// reads its dependency's reply would). Each server thread keeps one keep-alive
// HTTPClientSession to the next service and reuses it.
//
//   cleave_bench_chain_http_service --listen 127.0.0.1:PORT [--next 127.0.0.1:PORT]
//
// Says "listening" on stderr once it accepts connections; exits 0 on SIGTERM/SIGINT.
#include <pthread.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <boost/json.hpp>

#include "bench/chain/json_post.hpp"

namespace {

namespace json = boost::json;
using Poco::Net::HTTPResponse;

struct step {
  std::string payload;
  int64_t counter = 0;
};

std::optional<step> decode(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  const json::value* payload = o.if_contains("payload");
  const json::value* counter = o.if_contains("counter");
  if (!payload || !payload->is_string() || !counter || !counter->is_int64()) return std::nullopt;
  return step{std::string{payload->get_string()}, counter->get_int64()};
}

std::string encode(const step& s) {
  return json::serialize(json::object{{"payload", s.payload}, {"counter", s.counter}});
}

void send_json(Poco::Net::HTTPServerResponse& resp, const std::string& body,
               HTTPResponse::HTTPStatus status = HTTPResponse::HTTP_OK) {
  resp.setStatus(status);
  resp.setContentType("application/json");
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

struct address {
  std::string host;
  Poco::UInt16 port = 0;
};

/// The keep-alive session of this server thread to the next service.
Poco::Net::HTTPClientSession& session_to(const address& next) {
  thread_local std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (!session) {
    session = std::make_unique<Poco::Net::HTTPClientSession>(next.host, next.port);
    session->setKeepAlive(true);
    session->setTimeout(Poco::Timespan(5, 0));
  }
  return *session;
}

/// Calls the next service's POST /step; nullopt if it failed (the reason goes to `why`).
std::optional<step> call_next(const address& next, const step& s, std::string& why) {
  auto& session = session_to(next);
  try {
    auto [status, answer] = chain_bench::post_json(session, "/step", encode(s));
    if (status != HTTPResponse::HTTP_OK) {
      why = "next service answered " + std::to_string(status) + ": " + answer;
      return std::nullopt;
    }
    auto decoded = decode(answer);
    if (!decoded) why = "next service answered malformed JSON: " + answer;
    return decoded;
  } catch (const Poco::Exception& e) {
    session.reset();  // a broken connection is reopened by the next request
    why = "next service: " + e.displayText();
    return std::nullopt;
  }
}

class step_handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit step_handler(const std::optional<address>& next) : next_(next) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    if (req.getMethod() != Poco::Net::HTTPRequest::HTTP_POST || req.getURI() != "/step") {
      send_json(resp, R"({"error":"not found"})", HTTPResponse::HTTP_NOT_FOUND);
      return;
    }
    std::string body;
    Poco::StreamCopier::copyToString(req.stream(), body);
    auto in = decode(body);
    if (!in) {
      send_json(resp, R"({"error":"expected {\"payload\":string,\"counter\":integer}"})",
                HTTPResponse::HTTP_BAD_REQUEST);
      return;
    }
    step out{std::move(in->payload), in->counter + 1};
    if (next_) {
      std::string why;
      auto answer = call_next(*next_, out, why);
      if (!answer) {
        send_json(resp, json::serialize(json::object{{"error", why}}),
                  HTTPResponse::HTTP_BAD_GATEWAY);
        return;
      }
      out = std::move(*answer);
    }
    send_json(resp, encode(out));
  }

 private:
  const std::optional<address>& next_;
};

class factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit factory(std::optional<address> next) : next_(std::move(next)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new step_handler(next_);
  }

 private:
  std::optional<address> next_;
};

std::optional<address> parse_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  try {
    int port = std::stoi(text.substr(colon + 1));
    if (port < 1 || port > 65535) return std::nullopt;
    return address{text.substr(0, colon), static_cast<Poco::UInt16>(port)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int usage(const char* why) {
  std::fprintf(stderr,
               "cleave_bench_chain_http_service: %s\n"
               "usage: cleave_bench_chain_http_service --listen HOST:PORT [--next HOST:PORT]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<address> listen;
  std::optional<address> next;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--listen" || arg == "--next") && i + 1 < argc) {
      auto a = parse_address(argv[++i]);
      if (!a) return usage(("bad address for " + arg + ": " + argv[i]).c_str());
      (arg == "--listen" ? listen : next) = std::move(a);
    } else {
      return usage(("unknown argument " + arg).c_str());
    }
  }
  if (!listen) return usage("--listen is required");

  // Every thread inherits the blocked signals; main takes them with sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(listen->host, listen->port));
    Poco::Net::HTTPServer server(new factory(next), socket, new Poco::Net::HTTPServerParams);
    server.start();
    std::fprintf(stderr, "{\"msg\":\"listening\",\"listen\":\"%s:%u\",\"next\":\"%s\"}\n",
                 listen->host.c_str(), unsigned{listen->port},
                 next ? (next->host + ":" + std::to_string(next->port)).c_str() : "");
    int sig = 0;
    sigwait(&signals, &sig);
    server.stopAll(true);
    Poco::ThreadPool::defaultPool().joinAll();
  } catch (const Poco::Exception& e) {
    std::fprintf(stderr, "cleave_bench_chain_http_service: %s\n", e.displayText().c_str());
    return 1;
  }
  return 0;
}
