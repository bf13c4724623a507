#include "runtime/gateway/detail/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>
#include <boost/json/object.hpp>

#include "runtime/core/log.hpp"
#include "runtime/gateway/errors.hpp"

namespace cleave::detail {

namespace {

// Measured in /work/shared/notes/network-and-edge-facts.md: fewer threads than connections starve
// keep-alive clients (a kept-alive connection holds its thread until idle for 15 s), so the
// pool grows to `threads`, and a burst waits in a deep queue / backlog rather than being refused.
// Threads are made as connections come; only a few up front (each costs start time and memory:
// 16 cost ~0.5 ms and ~150 kB of a counter node's start, bench B7).
constexpr int min_idle_threads = 2;
constexpr int max_queued_connections = 1024;
constexpr int listen_backlog = 1024;
// Poco's TCPServerDispatcher::stop() wakes only the threads already waiting for a connection; one
// that finishes a connection at that moment misses the wake-up and waits out its idle time
// before it sees the stop, and the pool's destructor waits for it (observed: stops taking 10 s,
// Poco's default, under load). A short idle time bounds that to this.
constexpr std::chrono::milliseconds dispatcher_idle_time{100};

Poco::Timespan to_timespan(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Splits a request target into path and query; an absolute-form target ("http://h/p?q", which
/// proxies send) is reduced to its path.
void split_target(const std::string& target, http_request& req) {
  std::string_view t{target};
  if (auto scheme = t.find("://");
      scheme != std::string_view::npos && !t.empty() && t.front() != '/') {
    auto path_start = t.find('/', scheme + 3);
    t = path_start == std::string_view::npos ? std::string_view{"/"} : t.substr(path_start);
  }
  t = t.substr(0, t.find('#'));
  auto q = t.find('?');
  req.path = std::string{t.substr(0, q)};
  req.query = q == std::string_view::npos ? std::string{} : std::string{t.substr(q + 1)};
}

bool has_body(const Poco::Net::HTTPServerRequest& in) {
  return in.getChunkedTransferEncoding() || (in.hasContentLength() && in.getContentLength64() > 0);
}

bool too_large(const Poco::Net::HTTPServerRequest& in, uint64_t limit) {
  return in.hasContentLength() && in.getContentLength64() > 0 &&
         static_cast<uint64_t>(in.getContentLength64()) > limit;
}

/// True for a request that says "Expect: 100-continue" with a body over the limit: it gets no
/// 100 Continue (see handler_factory), so its body never comes.
bool refused_continue(const Poco::Net::HTTPServerRequest& in, uint64_t limit) {
  return in.getExpectContinue() && too_large(in, limit);
}

enum class body_status { ok, too_large, unreadable };

/// Reads the body, never more than `limit` bytes (a chunked body has no length to check first).
body_status read_body(Poco::Net::HTTPServerRequest& in, uint64_t limit, std::string& out) {
  if (too_large(in, limit)) return body_status::too_large;
  if (!has_body(in)) return body_status::ok;
  auto& stream = in.stream();
  char buf[8192];
  for (;;) {
    stream.read(buf, sizeof(buf));
    auto got = static_cast<size_t>(stream.gcount());
    if (got == 0) break;
    if (out.size() + got > limit) return body_status::too_large;
    out.append(buf, got);
  }
  // Poco's streams turn a read timeout or a reset into badbit; a body shorter than its
  // Content-Length means the client went away mid-request.
  if (stream.bad()) return body_status::unreadable;
  if (in.hasContentLength() && out.size() != static_cast<uint64_t>(in.getContentLength64()))
    return body_status::unreadable;
  return body_status::ok;
}

/// Most bytes of an unwanted body read and dropped so that the connection can answer (and stay
/// open): closing a socket with unread input makes the kernel send a reset, which can destroy the
/// answer before the client reads it.
constexpr uint64_t max_discarded_body = uint64_t{256} * 1024;

/// Reads and drops what is left of the body, at most max_discarded_body bytes; true if the body
/// ended (the connection can carry another request).
bool discard_body(Poco::Net::HTTPServerRequest& in) {
  if (!has_body(in)) return true;
  if (in.hasContentLength() && static_cast<uint64_t>(in.getContentLength64()) > max_discarded_body)
    return false;
  auto& stream = in.stream();
  char buf[8192];
  uint64_t total = 0;
  while (total <= max_discarded_body) {
    stream.read(buf, sizeof(buf));
    auto got = static_cast<uint64_t>(stream.gcount());
    if (got == 0) return !stream.bad();
    total += got;
  }
  return false;
}

bool skipped_header(const std::string& name) {
  // The server writes these itself from the response value; a middleware's copy would duplicate
  // or contradict them.
  auto n = lower(name);
  return n == "content-type" || n == "content-length" || n == "transfer-encoding" ||
         n == "connection";
}

void write_response(const Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out,
                    const http_response& res, bool close) {
  int status = res.status >= 100 && res.status <= 599 ? res.status : 500;
  out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  for (const auto& [name, value] : res.headers)
    if (!skipped_header(name)) out.add(name, value);
  if (!res.content_type.empty()) out.setContentType(res.content_type);
  if (close) out.setKeepAlive(false);
  out.setContentLength64(static_cast<Poco::Int64>(res.body.size()));
  auto& os = out.send();
  if (in.getMethod() != Poco::Net::HTTPRequest::HTTP_HEAD)
    os.write(res.body.data(), static_cast<std::streamsize>(res.body.size()));
  // Poco buffers the answer until the response object dies, after the handler returns; a
  // stopping server counts the request done when the handler returns and then cuts the
  // connection, so the answer must be on the wire by then.
  os.flush();
}

}  // namespace

// -- shared state of the server and its handler threads ------------------------------------------

struct server_state {
  server_config config;
  std::shared_ptr<const dispatch_table> table;

  /// The answers the server gives itself, inside the middleware (wrapped once, at start).
  http_handler not_found;
  http_handler not_allowed;
  http_handler too_large;
  http_handler unreadable;

  /// Set when stop() begins: answers from then on close their connection.
  std::atomic<bool> draining{false};

  std::mutex mutex;
  std::condition_variable idle;
  int in_flight = 0;
  /// Set by stop() once the drain is over: requests read after it are refused, not served.
  bool closed = false;

  /// Counts a request in, unless the server is closed (false: refuse the request).
  bool enter() {
    std::lock_guard<std::mutex> guard{mutex};
    if (closed) return false;
    ++in_flight;
    return true;
  }

  void leave() {
    std::lock_guard<std::mutex> guard{mutex};
    if (--in_flight == 0) idle.notify_all();
  }

  /// Waits until no request is in flight or `deadline` passes; true if none is.
  bool wait_idle_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> guard{mutex};
    return idle.wait_until(guard, deadline, [this] { return in_flight == 0; });
  }

  /// Waits (at most until `deadline`) until no request is in flight, then closes: a request a
  /// connection thread read just before its connection was cut would otherwise be served
  /// (changing state) with nobody left to receive the answer. True if it drained.
  bool close_when_idle_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> guard{mutex};
    bool drained = idle.wait_until(guard, deadline, [this] { return in_flight == 0; });
    closed = true;
    return drained;
  }

  int count() {
    std::lock_guard<std::mutex> guard{mutex};
    return in_flight;
  }
};

namespace {

/// Counts a request as in flight for its lifetime, if the server still admits requests.
class in_flight_guard {
 public:
  explicit in_flight_guard(server_state& state) : state_(state), admitted_(state_.enter()) {}
  ~in_flight_guard() {
    if (admitted_) state_.leave();
  }
  in_flight_guard(const in_flight_guard&) = delete;
  in_flight_guard& operator=(const in_flight_guard&) = delete;

  bool admitted() const { return admitted_; }

 private:
  server_state& state_;
  bool admitted_;
};

/// Serves one request: Poco request -> http_request -> router -> middleware + handler -> Poco
/// response. No exception leaves it (Poco would answer a bare 500 and drop the connection).
class request_handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit request_handler(std::shared_ptr<server_state> state) : state_(std::move(state)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in,
                     Poco::Net::HTTPServerResponse& out) override {
    in_flight_guard counted{*state_};
    if (!counted.admitted()) {
      // Read after the drain: not served, so nothing happened that the client would not know of.
      try {
        write_response(in, out, error_reply(503, "the gateway is stopping"), true);
      } catch (...) {
        // The connection is being cut; the client sees the request fail.
      }
      return;
    }
    bool close = false;
    http_response res;
    try {
      res = serve(in, close);
    } catch (const std::exception& e) {
      // Whatever threw may have left the request half read: the connection cannot go on.
      close = true;
      res = fail(in, e.what());
    } catch (...) {
      close = true;
      res = fail(in, "non-standard exception");
    }
    try {
      write_response(in, out, res, close || state_->draining.load());
    } catch (...) {
      // The client went away while we answered: nobody is left to tell.
    }
  }

 private:
  http_response serve(Poco::Net::HTTPServerRequest& in, bool& close) {
    const auto& table = *state_->table;
    http_request req;
    req.method = in.getMethod();
    split_target(in.getURI(), req);
    for (const auto& [name, value] : in) {
      auto& slot = req.headers[lower(name)];
      slot = slot.empty() ? value : slot + ", " + value;
    }
    auto m = table.routes.find(req.method, req.path);
    if (m.result != router::match::kind::found) {
      close = !discard_body(in);
      return m.result == router::match::kind::not_found ? state_->not_found(req)
                                                        : state_->not_allowed(req);
    }
    req.route = std::move(m.pattern);
    req.params = std::move(m.params);
    switch (read_body(in, state_->config.body_limit, req.body)) {
      case body_status::ok:
        break;
      case body_status::too_large:
        // A client that asked "Expect: 100-continue" was told 413 instead (handler_factory) and
        // sends no body. Otherwise the connection closes even when the rest of the body was
        // dropped: the client meant to send more than we take, and may go on sending.
        if (!refused_continue(in, state_->config.body_limit)) discard_body(in);
        close = true;
        req.body.clear();
        return state_->too_large(req);
      case body_status::unreadable:
        close = true;
        req.body.clear();
        return state_->unreadable(req);
    }
    return table.handlers.at(m.target)(req);
  }

  http_response fail(const Poco::Net::HTTPServerRequest& in, const std::string& what) {
    try {
      log("error", state_->config.node, "gateway request failed",
          {{"component", state_->config.name},
           {"method", in.getMethod()},
           {"target", in.getURI()},
           {"error", what}});
    } catch (...) {
      // Logging must not turn a 500 into a dropped connection.
    }
    return error_reply(500, "internal: " + what);
  }

  std::shared_ptr<server_state> state_;
};

class handler_factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit handler_factory(std::shared_ptr<server_state> state) : state_(std::move(state)) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& in) override {
    // Poco answers "Expect: 100-continue" with 100 unless the status is changed here: a body
    // that will be refused should not be sent at all.
    if (refused_continue(in, state_->config.body_limit))
      in.response().setStatus(Poco::Net::HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
    return new request_handler(state_);
  }

 private:
  std::shared_ptr<server_state> state_;
};

}  // namespace

// -- http_server ---------------------------------------------------------------------------------

struct http_server::impl {
  std::shared_ptr<server_state> state = std::make_shared<server_state>();
  Poco::Net::ServerSocket socket;
  // Destroyed after `server`, which uses it.
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::mutex stop_mutex;
  bool stopped = false;
};

http_server::http_server(server_config config) : impl_(std::make_unique<impl>()) {
  auto address = config.host + ":" + std::to_string(config.port);
  try {
    Poco::Net::SocketAddress at{config.host, config.port};
    // SO_REUSEADDR: a restarted gateway binds while its old connections sit in TIME_WAIT. Not
    // SO_REUSEPORT, which would let two gateways share a port silently.
    impl_->socket.bind(at, true, false);
    impl_->socket.listen(listen_backlog);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address + ": " + e.displayText());
  }
  impl_->state->config = std::move(config);
}

http_server::~http_server() {
  try {
    stop();
  } catch (...) {
    // A destructor that throws would end the process; stop() already logged what it could.
  }
}

uint16_t http_server::port() const {
  return impl_->socket.address().port();
}

void http_server::start(std::shared_ptr<const dispatch_table> table) {
  auto& state = *impl_->state;
  state.table = std::move(table);
  const auto& cfg = state.config;
  const auto* routes = &state.table->routes;
  const auto& wrap = state.table->wrap;
  state.not_found =
      wrap([](http_request& req) { return error_reply(404, "no route for " + req.path); });
  state.not_allowed = wrap([routes](http_request& req) {
    auto res = error_reply(405, req.method + " is not allowed on " + req.path);
    res.headers.emplace_back("Allow",
                             router::allow_header(routes->find(req.method, req.path).allowed));
    return res;
  });
  state.too_large = wrap([limit = cfg.body_limit](http_request&) {
    return error_reply(413, "the request body exceeds " + std::to_string(limit) + " bytes");
  });
  state.unreadable =
      wrap([](http_request&) { return error_reply(400, "the request body could not be read"); });
  auto threads = std::max(1, cfg.threads);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(max_queued_connections);
  params->setKeepAlive(true);
  params->setThreadIdleTime(to_timespan(dispatcher_idle_time));
  params->setTimeout(to_timespan(cfg.read_timeout));
  params->setServerName(cfg.name);
  impl_->pool = std::make_unique<Poco::ThreadPool>(std::min(min_idle_threads, threads), threads);
  impl_->server = std::make_unique<Poco::Net::HTTPServer>(new handler_factory(impl_->state),
                                                          *impl_->pool, impl_->socket, params);
  impl_->server->start();
}

void http_server::stop() {
  std::lock_guard<std::mutex> guard{impl_->stop_mutex};
  if (impl_->stopped) return;
  impl_->stopped = true;
  auto& state = *impl_->state;
  const auto& cfg = state.config;
  if (!impl_->server) {
    impl_->socket.close();
    return;
  }
  state.draining = true;
  auto drain_deadline = std::chrono::steady_clock::now() + cfg.drain_timeout;
  log("info", cfg.node, "gateway stopping",
      {{"component", cfg.name}, {"in_flight", state.count()}});
  // Ends the accept loop (within its 250 ms poll) and drops connections queued for a thread.
  impl_->server->stop();
  // Poco keeps the listening socket open until the server is destroyed, so new connections would
  // wait in the backlog for nothing; closed, they are refused at once and clients go elsewhere.
  impl_->socket.close();
  bool drained = state.close_when_idle_until(drain_deadline);
  // Cuts the connections kept alive between requests (they would hold their threads for up to
  // 15 s) and those of requests that outlived the drain.
  impl_->server->stopAll(true);
  if (!drained) {
    log("warning", cfg.node, "gateway drain timed out",
        {{"component", cfg.name},
         {"in_flight", state.count()},
         {"drain_timeout_ms", static_cast<int64_t>(cfg.drain_timeout.count())}});
    // Handlers still running wait for calls, which end at their deadlines; they use the actor
    // system, which must outlive them.
    if (!state.wait_idle_until(std::chrono::steady_clock::now() + cfg.straggler_timeout))
      log("error", cfg.node, "gateway stopped with requests still running",
          {{"component", cfg.name}, {"in_flight", state.count()}});
  }
  impl_->server.reset();
  impl_->pool.reset();
  log("info", cfg.node, "gateway stopped", {{"component", cfg.name}, {"drained", drained}});
}

int http_server::in_flight() const {
  return impl_->state->count();
}

}  // namespace cleave::detail
