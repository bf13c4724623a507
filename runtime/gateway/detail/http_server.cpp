#include "runtime/gateway/detail/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"
#include "runtime/core/request_context.hpp"
#include "runtime/gateway/errors.hpp"

namespace cleave::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

constexpr int listen_backlog = 1024;
/// Largest request head (request line and headers) read; larger ones get 431.
constexpr uint32_t header_limit = 64 * 1024;
/// Most bytes read at a time while a head is read (as Beast's reads do).
constexpr size_t head_read_size = size_t{64} * 1024;
/// Most bytes of unwanted input read and dropped before a connection closes: closing a socket
/// with unread input makes the kernel send a reset, which can destroy the answer before the
/// client reads it.
constexpr uint64_t max_discarded_bytes = uint64_t{256} * 1024;
/// Bytes read at a time while a closing connection drops what the client still sends.
constexpr size_t linger_chunk = size_t{16} * 1024;
/// How long a closing connection waits for the client to finish sending.
constexpr std::chrono::milliseconds linger_time{1000};
/// Pause before accepting again after the system refused a connection (e.g. out of descriptors).
constexpr std::chrono::milliseconds accept_retry{50};
/// Longest stop() waits for the I/O thread to run a step of the stop.
constexpr std::chrono::seconds io_step_timeout{2};

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Splits a request target into path and query; an absolute-form target ("http://h/p?q", which
/// proxies send) is reduced to its path.
void split_target(std::string_view t, http_request& req) {
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

bool skipped_header(const std::string& name) {
  // The server writes these itself from the response value; a middleware's copy would duplicate
  // or contradict them.
  auto n = lower(name);
  return n == "content-type" || n == "content-length" || n == "transfer-encoding" ||
         n == "connection";
}

}  // namespace

class connection;

// -- shared state of the server, its I/O thread and the answers on their way ---------------------

struct server_state : std::enable_shared_from_this<server_state> {
  server_config config;
  /// How the server's own 500s are reported (from config).
  error_reporting errors;
  std::shared_ptr<const dispatch_table> table;

  /// The answers the server gives itself, inside the middleware (wrapped once, at start).
  http_handler not_found;
  http_handler not_allowed;
  http_handler too_large;
  http_handler unreadable;
  http_handler late_body;
  http_handler bad_host;

  asio::io_context io{1};
  /// Keeps the I/O thread running while no operation is pending (answers still to come are not
  /// operations Asio knows of).
  asio::executor_work_guard<asio::io_context::executor_type> keep_running =
      asio::make_work_guard(io);
  tcp::acceptor acceptor{io};

  /// Set when stop() begins: answers from then on close their connection.
  std::atomic<bool> draining{false};

  // The I/O thread's own: the open connections (each owned here until it ends, so that a late
  // answer finds it or finds it gone), those waiting for a request, and the accept loop's state.
  std::unordered_map<const connection*, std::shared_ptr<connection>> connections;
  /// The connections waiting for their next request (none in flight), longest waiting first,
  /// linked through the connections themselves (no allocation per request): at the connection
  /// cap, the first one is closed to admit a new connection.
  connection* idle_first = nullptr;
  connection* idle_last = nullptr;
  /// A connection accepted at the cap while every connection had a request in flight: it is
  /// opened as soon as one ends or waits for its next request.
  std::optional<tcp::socket> parked;
  bool accepting = true;
  /// An accept (or the pause before retrying one) is pending.
  bool accept_pending = false;

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
  bool wait_idle_until(steady::time_point deadline) {
    std::unique_lock<std::mutex> guard{mutex};
    return idle.wait_until(guard, deadline, [this] { return in_flight == 0; });
  }

  /// Waits (at most until `deadline`) until no request is in flight, then closes: a request read
  /// just before its connection was cut would otherwise be served (changing state) with nobody
  /// left to receive the answer. True if it drained.
  bool close_when_idle_until(steady::time_point deadline) {
    std::unique_lock<std::mutex> guard{mutex};
    bool drained = idle.wait_until(guard, deadline, [this] { return in_flight == 0; });
    closed = true;
    return drained;
  }

  int count() {
    std::lock_guard<std::mutex> guard{mutex};
    return in_flight;
  }

  bool full() const {
    return connections.size() >= static_cast<size_t>(std::max(1, config.max_connections));
  }

  /// Accepts the next connection, unless an accept is pending or no place can be made for one.
  void accept();
  /// Serves a connection accepted.
  void open(tcp::socket socket);
  /// `c` waits for its next request; a connection waiting for a place takes its place.
  void became_idle(connection* c);
  /// `c` got the first byte of a request, or ends.
  void busy(connection* c);
  void ended(connection* c);
  /// Forgets every connection (stop): their handlers may still run, and find themselves gone.
  void drop_connections();
  http_response fail(const http_request& req, const std::string& what) const;
};

// -- one connection ------------------------------------------------------------------------------

/// Reads requests from one client, one at a time, and writes each answer when it comes; runs on
/// the I/O thread only. One timer bounds whatever the connection waits for (phase_).
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(server_state& state, tcp::socket socket)
      : state_(state), socket_(std::move(socket)), timer_(state.io) {}

  void start() { next_request(); }

  /// Closes the socket at once (the server stops); pending operations end with errors, and their
  /// handlers end the connection.
  void cut() {
    closed_ = true;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
  }

  /// Closes a connection that waits for its next request (at the connection cap, for a new one).
  void evict() { finish(); }

  /// Writes the answer to the request in flight (posted by its answer_slot).
  void write(http_response res);

  // server_state's list of connections waiting for a request.
  connection* idle_prev = nullptr;
  connection* idle_next = nullptr;
  bool idle_listed = false;

 private:
  using parser_type = bhttp::request_parser<bhttp::string_body>;

  /// What the connection waits for, and so what its deadline bounds.
  enum class phase { idle, head, body, handler, writing, lingering };

  // -- the deadline -------------------------------------------------------------------------------

  /// Enters `p`, which must end by `deadline` (max(): no deadline).
  void set_deadline(phase p, steady::time_point deadline) {
    phase_ = p;
    deadline_ = deadline;
    if (deadline == steady::time_point::max()) return;
    // A wait that ends earlier finds the later deadline and waits on (on_timer): re-arming at
    // every phase would cost a cancellation each.
    if (timer_waiting_ && timer_.expiry() <= deadline) return;
    timer_.expires_at(deadline);  // ends a pending wait, which on_timer ignores
    wait();
  }

  void wait() {
    timer_waiting_ = true;
    timer_.async_wait([self = shared_from_this(), gen = ++timer_gen_](beast::error_code ec) {
      self->on_timer(ec, gen);
    });
  }

  void on_timer(beast::error_code ec, uint64_t gen) {
    if (gen != timer_gen_) return;  // a later wait replaced this one
    timer_waiting_ = false;
    if (ec || closed_ || deadline_ == steady::time_point::max()) return;
    if (steady::now() < deadline_) {
      timer_.expires_at(deadline_);
      return wait();
    }
    switch (phase_) {
      case phase::head:
      case phase::body:
        // The read in progress ends (operation_aborted, or its data if it had some) and its
        // handler answers 408.
        expired_ = true;
        {
          beast::error_code ignored;
          socket_.cancel(ignored);
        }
        return;
      case phase::handler:
        return;
      case phase::idle:
      case phase::writing:
      case phase::lingering:
        return finish();
    }
  }

  // -- the head -----------------------------------------------------------------------------------

  /// Waits for the next request: its head at once if bytes of it are buffered (pipelined), else
  /// idle until its first byte comes.
  void next_request() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    // Unlimited while the head is read, so that a Content-Length over the limit is not a parse
    // error but a 413 through the middleware; on_head sets the limit before the body is read.
    parser_->body_limit(boost::none);
    expired_ = false;
    head_only_ = false;
    if (buffer_.size() > 0) return begin_head();
    state_.became_idle(this);
    if (closed_) return;  // closed at once: a new connection waited for a place
    set_deadline(phase::idle, steady::now() + state_.config.idle_timeout);
    read_head_bytes();
  }

  void begin_head() {
    set_deadline(phase::head, steady::now() + state_.config.header_timeout);
    parse_head();
  }

  /// Parses the bytes buffered; reads more while the head is incomplete (as Beast's
  /// async_read_header does, but knowing when the first byte came).
  void parse_head() {
    while (buffer_.size() > 0) {
      beast::error_code ec;
      auto used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) {
        if (used == 0) break;
        continue;
      }
      if (ec) return on_head(ec);
      if (parser_->is_header_done()) return on_head({});
      if (used == 0) break;
    }
    read_head_bytes();
  }

  void read_head_bytes() {
    auto size = beast::read_size(buffer_, head_read_size);
    socket_.async_read_some(buffer_.prepare(size),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->on_head_bytes(ec, n);
                            });
  }

  void on_head_bytes(beast::error_code ec, size_t n) {
    if (closed_) return finish();
    buffer_.commit(n);
    if (expired_) {
      return refuse(408, "the request head did not arrive within " +
                             std::to_string(state_.config.header_timeout.count()) + " ms");
    }
    // A client that closed or dropped (mid-head included): nothing to answer.
    if (ec) return finish();
    if (phase_ == phase::idle) {
      state_.busy(this);
      return begin_head();
    }
    parse_head();
  }

  void on_head(beast::error_code ec) {
    if (ec) {
      if (ec == bhttp::error::header_limit)
        return refuse(431, "the request head exceeds " + std::to_string(header_limit) + " bytes");
      return refuse(400, "malformed request: " + ec.message());
    }
    const auto& head = parser_->get();
    head_only_ = head.method() == bhttp::verb::head;
    keep_alive_ = head.keep_alive();
    version_ = head.version();
    // The request's method, path and query, found once: the router and the handler both need them.
    request_ = http_request{};
    request_.method = std::string{head.method_string()};
    split_target(std::string_view{head.target()}, request_);
    bool expects_continue = beast::iequals(head[bhttp::field::expect], "100-continue");
    bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    // RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, and for any with more than one.
    if (auto hosts = head.count(bhttp::field::host); hosts > 1 || (hosts == 0 && version_ >= 11)) {
      // The body is not read: the connection cannot go on.
      close_after_ = true;
      return serve(state_.bad_host);
    }
    auto match = state_.table->routes.find(request_.method, request_.path);
    if (match.result != router::match::kind::found) {
      // The body is not wanted: a client waiting for 100 Continue is answered at once (and the
      // connection closed: it may send the body anyway); otherwise the body is read and dropped.
      const auto& answer =
          match.result == router::match::kind::not_found ? state_.not_found : state_.not_allowed;
      bool too_long = parser_->content_length().value_or(0) > max_discarded_bytes;
      if ((expects_continue || too_long) && has_body) close_after_ = true;
      if (!has_body || expects_continue || too_long) return serve(answer);
      parser_->body_limit(max_discarded_bytes);
      unwanted_ = &answer;
      return start_body();
    }
    parser_->body_limit(state_.config.body_limit);
    request_.route = std::move(match.pattern);
    request_.params = std::move(match.params);
    target_ = match.target;
    if (parser_->content_length() && *parser_->content_length() > state_.config.body_limit) {
      // The client meant to send more than we take, and may go on sending: answer, then close.
      close_after_ = true;
      return serve(state_.too_large);
    }
    if (expects_continue && has_body) {
      auto cont =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
      set_deadline(phase::writing, steady::now() + state_.config.write_timeout);
      return bhttp::async_write(
          socket_, *cont, [self = shared_from_this(), cont](beast::error_code failed, size_t) {
            if (failed || self->closed_) return self->finish();
            self->start_body();
          });
    }
    start_body();
  }

  // -- the body -----------------------------------------------------------------------------------

  /// Reads the body, all of it within the body timeout.
  void start_body() {
    if (!parser_->is_done()) set_deadline(phase::body, steady::now() + state_.config.body_timeout);
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return on_body({});
    bhttp::async_read_some(socket_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, size_t) {
                             if (self->closed_) return self->finish();
                             if (!ec && !self->expired_ && !self->parser_->is_done())
                               return self->read_body();
                             self->on_body(ec);
                           });
  }

  void on_body(beast::error_code ec) {
    // Complete, though perhaps just as the deadline passed: served.
    bool late = expired_ && !(!ec && parser_->is_done());
    if (unwanted_ != nullptr) {
      const auto* answer = std::exchange(unwanted_, nullptr);
      if (ec || late) close_after_ = true;
      return serve(*answer);
    }
    if (ec == bhttp::error::body_limit) {
      close_after_ = true;
      return serve(state_.too_large);
    }
    if (late) {
      close_after_ = true;
      return serve(state_.late_body);
    }
    if (ec) {
      // A client gone mid-body, or a malformed chunk.
      close_after_ = true;
      return serve(state_.unreadable);
    }
    serve(state_.table->handlers.at(target_), true);
  }

  // -- answers ------------------------------------------------------------------------------------

  /// Runs `handler` on the request read; `with_body` moves the body in (the server's own answers
  /// get none).
  void serve(const http_handler& handler, bool with_body = false);

  /// Answers, without the middleware, a request whose head could not be read (or that came after
  /// the drain), and closes: the answer gets an id of its own, which the log line gives too.
  void refuse(int status, std::string why) {
    close_after_ = true;
    auto id = random_request_id();
    beast::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    log("info", state_.config.node, "request refused",
        {{"component", state_.config.name},
         {"request_id", id},
         {"status", status},
         {"client", ec ? std::string{} : peer.address().to_string()},
         {"error", why}});
    auto res = error_reply(status, std::move(why), id);
    res.headers.emplace_back("X-Request-Id", std::move(id));
    write_self(std::move(res));
  }

  /// Writes an answer the server makes without a handler.
  void write_self(http_response res) {
    admitted_ = false;
    write(std::move(res));
  }

  void on_written(beast::error_code ec, bool close) {
    response_.reset();
    if (std::exchange(admitted_, false)) state_.leave();
    if (ec || closed_) return finish();
    if (close) return linger();
    next_request();
  }

  /// Closes after the client has stopped sending (at most max_discarded_bytes, linger_time), so
  /// that the kernel does not reset the connection under the answer just written.
  void linger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    lingered_ = 0;
    set_deadline(phase::lingering, steady::now() + linger_time);
    drop_input();
  }

  void drop_input() {
    scratch_.resize(linger_chunk);
    socket_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->closed_ || self->lingered_ > max_discarded_bytes)
                                return self->finish();
                              self->drop_input();
                            });
  }

  /// Closes the connection and lets the server forget it (once).
  void finish() {
    cut();
    if (std::exchange(ended_, true)) return;
    state_.ended(this);
  }

  server_state& state_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<parser_type> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  std::string scratch_;
  uint64_t lingered_ = 0;
  // The deadline: what the connection waits for, until when, and the timer's wait.
  phase phase_ = phase::idle;
  steady::time_point deadline_ = steady::time_point::max();
  uint64_t timer_gen_ = 0;
  bool timer_waiting_ = false;
  /// The head's or the body's deadline passed while it was read.
  bool expired_ = false;
  // The request being read (its head so far) and its route's handler.
  http_request request_;
  size_t target_ = 0;
  const http_handler* unwanted_ = nullptr;
  bool head_only_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool close_after_ = false;
  /// The request in flight counts in server_state::in_flight.
  bool admitted_ = false;
  /// The socket is closed (cut); ended_: the server forgot the connection.
  bool closed_ = false;
  bool ended_ = false;
};

// -- answers -------------------------------------------------------------------------------------

namespace {

/// One request's answer on its way: what the handler's `respond` holds. The first answer is
/// posted to the I/O thread; one never given becomes a 500 when the last `respond` goes.
class answer_slot {
 public:
  answer_slot(std::shared_ptr<server_state> state, std::weak_ptr<connection> conn)
      : state_(std::move(state)), conn_(std::move(conn)) {}

  ~answer_slot() {
    if (answered_.load()) return;
    // The middleware that would have added the id dropped the answer with the request.
    auto res = state_->fail(request, "the handler dropped the request without answering");
    if (!request.request_id.empty()) res.headers.emplace_back("X-Request-Id", request.request_id);
    answer(std::move(res));
  }

  answer_slot(const answer_slot&) = delete;
  answer_slot& operator=(const answer_slot&) = delete;

  void answer(http_response res) {
    if (answered_.exchange(true)) return;
    // The state owns the I/O queue, so it outlives what waits there.
    asio::post(state_->io, [state = state_.get(), conn = conn_, res = std::move(res)]() mutable {
      if (auto c = conn.lock())
        c->write(std::move(res));
      else
        state->leave();  // its connection was cut (the server stopped): nobody to tell
    });
  }

  bool answered() const { return answered_.load(); }

  /// Lives as long as an answer may still come, as http_handler promises.
  http_request request;

 private:
  std::shared_ptr<server_state> state_;
  std::weak_ptr<connection> conn_;
  std::atomic<bool> answered_{false};
};

}  // namespace

void connection::serve(const http_handler& handler, bool with_body) {
  if (!state_.enter()) {
    // Read after the drain: not served, so nothing happened that the client would not know of.
    return refuse(503, "the gateway is stopping");
  }
  admitted_ = true;
  set_deadline(phase::handler, steady::time_point::max());
  auto slot = std::make_shared<answer_slot>(state_.shared_from_this(), weak_from_this());
  auto& req = slot->request;
  req = std::move(request_);
  req.received = std::chrono::steady_clock::now();
  auto message = parser_->release();
  for (const auto& field : message) {
    auto& value = req.headers[lower(field.name_string())];
    value = value.empty() ? std::string{field.value()} : value + ", " + std::string{field.value()};
  }
  if (with_body) {
    req.body = std::move(message.body());
  } else {
    // The server's own answers (413, 400) are not the route's.
    req.route.clear();
    req.params.clear();
  }
  http_respond respond = [slot](http_response res) {
    slot->answer(std::move(res));
  };
  try {
    handler(req, std::move(respond));
  } catch (const std::exception& e) {
    // Whatever threw may have left the request half done: the connection cannot go on.
    close_after_ = true;
    slot->answer(state_.fail(req, e.what()));
  } catch (...) {
    close_after_ = true;
    slot->answer(state_.fail(req, "non-standard exception"));
  }
}

void connection::write(http_response res) {
  if (closed_) {
    // Cut while its handler worked (the server stopped): nobody to tell.
    if (std::exchange(admitted_, false)) state_.leave();
    return finish();
  }
  int status = res.status >= 100 && res.status <= 599 ? res.status : 500;
  auto& out = response_.emplace();
  out.version(version_);
  out.result(static_cast<unsigned>(status));
  for (const auto& [name, value] : res.headers)
    if (!skipped_header(name)) out.insert(name, value);
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  bool close = close_after_ || !keep_alive_ || state_.draining.load();
  out.keep_alive(!close);
  if (head_only_) {
    out.content_length(res.body.size());
  } else {
    out.body() = std::move(res.body);
    out.prepare_payload();
  }
  set_deadline(phase::writing, steady::now() + state_.config.write_timeout);
  bhttp::async_write(socket_, *response_,
                     [self = shared_from_this(), close](beast::error_code ec, size_t) {
                       self->on_written(ec, close);
                     });
}

// -- the accept loop and the connection cap ------------------------------------------------------

void server_state::accept() {
  if (!accepting || accept_pending || parked) return;
  // At the cap, a new connection needs one waiting for a request to close; became_idle() and
  // ended() call again when there is one.
  if (full() && idle_first == nullptr) return;
  accept_pending = true;
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    accept_pending = false;
    if (!accepting || ec == asio::error::operation_aborted) return;
    if (ec) {
      log("warning", config.node, "gateway cannot accept a connection",
          {{"component", config.name}, {"error", ec.message()}});
      accept_pending = true;
      auto timer = std::make_shared<asio::steady_timer>(io, accept_retry);
      timer->async_wait([this, timer](beast::error_code) {
        accept_pending = false;
        accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (full()) {
      if (idle_first == nullptr) {
        // Every connection got a request meanwhile: this one waits, unread, as in the backlog.
        parked.emplace(std::move(socket));
        return;
      }
      idle_first->evict();  // ended() makes the place (and may start the next accept)
    }
    open(std::move(socket));
    accept();
  });
}

void server_state::open(tcp::socket socket) {
  auto c = std::make_shared<connection>(*this, std::move(socket));
  connections.emplace(c.get(), c);
  c->start();
}

void server_state::became_idle(connection* c) {
  c->idle_prev = idle_last;
  c->idle_next = nullptr;
  (idle_last != nullptr ? idle_last->idle_next : idle_first) = c;
  idle_last = c;
  c->idle_listed = true;
  // A connection waiting for a place takes this one's: it was the only one not busy.
  if (parked) return idle_first->evict();
  accept();
}

void server_state::busy(connection* c) {
  if (!c->idle_listed) return;
  (c->idle_prev != nullptr ? c->idle_prev->idle_next : idle_first) = c->idle_next;
  (c->idle_next != nullptr ? c->idle_next->idle_prev : idle_last) = c->idle_prev;
  c->idle_prev = c->idle_next = nullptr;
  c->idle_listed = false;
}

void server_state::ended(connection* c) {
  busy(c);
  connections.erase(c);
  if (parked && !full()) {
    auto socket = std::move(*parked);
    parked.reset();
    open(std::move(socket));
  }
  accept();
}

void server_state::drop_connections() {
  for (auto* c = idle_first; c != nullptr;) {
    auto* next = c->idle_next;
    c->idle_prev = c->idle_next = nullptr;
    c->idle_listed = false;
    c = next;
  }
  idle_first = idle_last = nullptr;
  if (parked) {
    beast::error_code ignored;
    parked->close(ignored);
    parked.reset();
  }
  auto cut_off = std::move(connections);
  connections.clear();
  for (auto& [ptr, c] : cut_off) c->cut();
}

http_response server_state::fail(const http_request& req, const std::string& what) const {
  return error_reply(make_error(errc::internal, req.method + " " + req.path + ": " + what),
                     req.request_id, errors);
}

// -- http_server ---------------------------------------------------------------------------------

struct http_server::impl {
  std::shared_ptr<server_state> state = std::make_shared<server_state>();
  std::thread io_thread;
  std::mutex stop_mutex;
  bool stopped = false;

  /// Runs `f` on the I/O thread and waits for it (at most io_step_timeout).
  void on_io(std::function<void()> f) {
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    asio::post(state->io, [f = std::move(f), done] {
      f();
      done->set_value();
    });
    if (finished.wait_for(io_step_timeout) != std::future_status::ready)
      log("error", state->config.node, "gateway I/O thread did not answer while stopping",
          {{"component", state->config.name}});
  }
};

namespace {

/// " (placement: FIELD)": where the address the server could not listen on is set.
std::string where_set(const server_config& config) {
  if (config.admin_of_node) return " (placement: nodes." + config.node + ".admin)";
  return " (placement: components." + config.name + ".config.listen)";
}

}  // namespace

http_server::http_server(server_config config) : impl_(std::make_unique<impl>()) {
  auto& state = *impl_->state;
  auto address = config.host + ":" + std::to_string(config.port);
  try {
    tcp::resolver resolver{state.io};
    auto found = resolver.resolve(config.host, std::to_string(config.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service);
    if (found.empty()) throw std::runtime_error("no address");
    tcp::endpoint at = found.begin()->endpoint();
    state.acceptor.open(at.protocol());
    // SO_REUSEADDR: a restarted gateway binds while its old connections sit in TIME_WAIT. Not
    // SO_REUSEPORT, which would let two gateways share a port silently.
    state.acceptor.set_option(tcp::acceptor::reuse_address(true));
    state.acceptor.bind(at);
    state.acceptor.listen(listen_backlog);
  } catch (const boost::system::system_error& e) {
    // The kernel's reason ("Address already in use"), without Boost's source location.
    throw std::runtime_error("cannot listen on " + address + ": " + e.code().message() +
                             where_set(config));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + address + ": " + e.what() + where_set(config));
  }
  state.config = std::move(config);
  state.errors = error_reporting{state.config.node, state.config.name, state.config.expose_errors};
}

http_server::~http_server() {
  try {
    stop();
  } catch (...) {
    // A destructor that throws would end the process; stop() already logged what it could.
  }
}

uint16_t http_server::port() const {
  beast::error_code ec;
  auto at = impl_->state->acceptor.local_endpoint(ec);
  return ec ? 0 : at.port();
}

void http_server::start(std::shared_ptr<const dispatch_table> table) {
  auto& state = *impl_->state;
  state.table = std::move(table);
  const auto* routes = &state.table->routes;
  const auto& wrap = state.table->wrap;
  state.not_found = wrap(answer_now([](http_request& req) {
    return error_reply(404, "no route for " + req.path, req.request_id);
  }));
  state.not_allowed = wrap(answer_now([routes](http_request& req) {
    auto res = error_reply(405, req.method + " is not allowed on " + req.path, req.request_id);
    res.headers.emplace_back("Allow",
                             router::allow_header(routes->find(req.method, req.path).allowed));
    return res;
  }));
  state.too_large = wrap(answer_now([limit = state.config.body_limit](http_request& req) {
    return error_reply(413, "the request body exceeds " + std::to_string(limit) + " bytes",
                       req.request_id);
  }));
  state.unreadable = wrap(answer_now([](http_request& req) {
    return error_reply(400, "the request body could not be read", req.request_id);
  }));
  state.late_body = wrap(answer_now([ms = state.config.body_timeout.count()](http_request& req) {
    return error_reply(408, "the request body did not arrive within " + std::to_string(ms) + " ms",
                       req.request_id);
  }));
  state.bad_host = wrap(answer_now([](http_request& req) {
    return error_reply(400,
                       req.header("host").empty() ? "an HTTP/1.1 request needs a Host header"
                                                  : "a request may have one Host header only",
                       req.request_id);
  }));
  asio::post(state.io, [s = impl_->state] { s->accept(); });
  impl_->io_thread = std::thread{[s = impl_->state] {
    for (;;) {
      try {
        s->io.run();
        return;
      } catch (const std::exception& e) {
        // A handler's exception escaping Asio: log it and keep serving the other connections.
        log("error", s->config.node, "gateway I/O step failed",
            {{"component", s->config.name}, {"error", e.what()}});
      }
    }
  }};
}

void http_server::stop() {
  std::lock_guard<std::mutex> guard{impl_->stop_mutex};
  if (impl_->stopped) return;
  impl_->stopped = true;
  auto& state = *impl_->state;
  const auto& cfg = state.config;
  if (!impl_->io_thread.joinable()) {
    beast::error_code ignored;
    state.acceptor.close(ignored);
    return;
  }
  state.draining = true;
  auto drain_deadline = steady::now() + cfg.drain_timeout;
  log("info", cfg.node, "gateway stopping",
      {{"component", cfg.name}, {"in_flight", state.count()}});
  // New connections are refused from here on, and clients go elsewhere.
  impl_->on_io([&state] {
    state.accepting = false;
    beast::error_code ignored;
    state.acceptor.close(ignored);
    // Accepted at the cap but never served: refused like the rest.
    if (state.parked) {
      state.parked->close(ignored);
      state.parked.reset();
    }
  });
  bool drained = state.close_when_idle_until(drain_deadline);
  // Cuts the connections kept alive between requests and those of requests that outlived the
  // drain (their answers, when they come, find them gone).
  impl_->on_io([&state] { state.drop_connections(); });
  if (!drained) {
    log("warning", cfg.node, "gateway drain timed out",
        {{"component", cfg.name},
         {"in_flight", state.count()},
         {"drain_timeout_ms", static_cast<int64_t>(cfg.drain_timeout.count())}});
    // Answers still to come wait for calls, which end at their deadlines; they post to the I/O
    // thread, which must run until they are in.
    if (!state.wait_idle_until(steady::now() + cfg.straggler_timeout))
      log("error", cfg.node, "gateway stopped with requests still running",
          {{"component", cfg.name}, {"in_flight", state.count()}});
  }
  state.io.stop();
  impl_->io_thread.join();
  log("info", cfg.node, "gateway stopped", {{"component", cfg.name}, {"drained", drained}});
}

int http_server::in_flight() const {
  return impl_->state->count();
}

bool parse_listen(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return false;  // an IPv6 address needs brackets
  }
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, port);
  return ec == std::errc{} && end == last;
}

}  // namespace cleave::detail
