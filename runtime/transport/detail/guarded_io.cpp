#include "runtime/transport/detail/guarded_io.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include <caf/detail/socket_guard.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/io/scribe.hpp>
#include <caf/message_id.hpp>
#include <caf/policy/tcp.hpp>
#include <caf/sec.hpp>

#include "runtime/core/log.hpp"
#include "runtime/transport/detail/dial.hpp"

namespace cleave::transport::detail {

namespace net = caf::io::network;
using net::native_socket;
using net::rw_state;
using steady = std::chrono::steady_clock;

// -- log lines ---------------------------------------------------------------------------------

void network_config::log_refusal(const std::string& what, boost::json::object fields) {
  if (limiter_.admit(fields)) log("warning", node, what, fields);
}

// -- one connection ----------------------------------------------------------------------------

class guarded_scribe;

/// The state of one peer connection, shared by its scribe, its stream's policy and the handshake
/// watch. Touched on the multiplexer thread only, except `admitted`, `poisoned` and what `mutex`
/// guards.
struct connection {
  connection(std::shared_ptr<network_config> cfg, native_socket socket, bool was_accepted,
             std::string peer_address)
      : config(std::move(cfg)), fd(socket), accepted(was_accepted), peer(std::move(peer_address)) {}

  ~connection() = default;

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  std::shared_ptr<network_config> config;
  native_socket fd;
  /// Accepted by this node (else dialled).
  bool accepted;
  /// "host:port" of the other end, for log lines.
  std::string peer;
  /// Null when insecure.
  std::unique_ptr<tls_session> tls;
  peer_check check;
  bool tls_done = false;
  /// BASP messages parts read (a header, a payload): the peer is admitted after its first message.
  int parts_read = 0;
  /// Set once the handshakes are done; the watch then leaves it alone.
  std::atomic<bool> admitted{false};
  /// Reads fail from now on (the connection is being closed).
  std::atomic<bool> poisoned{false};
  /// The scribe, while it exists (multiplexer thread).
  guarded_scribe* owner = nullptr;

  /// Guards `gone`: while the watch holds it, the socket is not closed.
  std::mutex mutex;
  bool gone = false;

  /// Log fields that never change (any thread may read them).
  boost::json::object basic_fields() const {
    boost::json::object out{{"peer", peer}, {"direction", accepted ? "incoming" : "outgoing"}};
    if (!check.expected.empty()) out["expected_node"] = check.expected;
    return out;
  }

  /// Log fields, with the peer's verified identity (multiplexer thread).
  boost::json::object fields() const {
    auto out = basic_fields();
    if (!check.identity.empty()) out["peer_node"] = check.identity;
    return out;
  }

  /// Closes the connection from the multiplexer thread: the next read fails, and CAF tears it
  /// down as if the peer had left.
  void poison(const std::string& why, boost::json::object extra = {}) {
    if (poisoned.exchange(true)) return;
    auto f = fields();
    for (auto& kv : extra) f[kv.key()] = kv.value();
    config->log_refusal(why, std::move(f));
    ::shutdown(fd, SHUT_RDWR);
  }

  /// Drives the TLS handshake; false if it failed (logged).
  bool advance_handshake();
};

/// CAF's stream policy over a connection: TLS (or plain TCP when insecure), and failing reads
/// once the connection is poisoned.
struct guarded_policy {
  explicit guarded_policy(std::shared_ptr<connection> conn) : c(std::move(conn)) {}

  rw_state read_some(size_t& result, native_socket fd, void* buf, size_t len) {
    result = 0;
    if (c->poisoned) return rw_state::failure;
    if (!c->tls) return caf::policy::tcp::read_some(result, fd, buf, len);
    if (!c->tls_done) {
      if (!c->advance_handshake()) return rw_state::failure;
      if (!c->tls_done) return rw_state::success;
    }
    if (len == 0) return rw_state::success;
    return state_of(c->tls->read(buf, len, result));
  }

  rw_state write_some(size_t& result, native_socket fd, const void* buf, size_t len) {
    result = 0;
    if (c->poisoned) return rw_state::failure;
    if (!c->tls) return caf::policy::tcp::write_some(result, fd, buf, len);
    if (!c->tls_done) return c->advance_handshake() ? rw_state::success : rw_state::failure;
    if (len == 0) return rw_state::success;
    return state_of(c->tls->write(buf, len, result));
  }

  static bool try_accept(native_socket&, native_socket) { return false; }

  /// Bytes OpenSSL has read ahead (decrypted or not) are not seen by epoll: read them before
  /// waiting again.
  bool must_read_more(native_socket, size_t) const {
    return c->tls && c->tls_done && c->tls->has_pending();
  }

  /// A failed read or write ends the connection; a blocked one is retried when epoll says so.
  rw_state state_of(tls_status status) const {
    if (status != tls_status::failed) return rw_state::success;
    c->tls->errors();  // what it was is of no use once the connection is gone
    return rw_state::failure;
  }

  std::shared_ptr<connection> c;
};

class guarded_scribe : public caf::io::scribe {
 public:
  guarded_scribe(net::default_multiplexer& mpx, native_socket fd, std::shared_ptr<connection> c)
      : caf::io::scribe(net::conn_hdl_from_socket(fd)), conn_(c), stream_(mpx, fd, c) {
    conn_->owner = this;
    // Plain connections have no handshake of their own to wait for.
    conn_->tls_done = !conn_->tls;
  }

  ~guarded_scribe() override {
    std::lock_guard<std::mutex> guard{conn_->mutex};
    conn_->gone = true;
    conn_->owner = nullptr;
    release_slot();
  }

  guarded_scribe(const guarded_scribe&) = delete;
  guarded_scribe& operator=(const guarded_scribe&) = delete;

  void configure_read(caf::io::receive_policy::config config) override {
    // BASP asks for exactly the payload size the peer's header announced: refuse before the
    // stream resizes its buffer to it.
    if (config.second > conn_->config->max_frame_bytes)
      conn_->poison("peer connection closed: frame over the limit",
                    {{"frame_bytes", static_cast<uint64_t>(config.second)},
                     {"max_frame_bytes", conn_->config->max_frame_bytes}});
    else
      stream_.configure_read(config);
    if (!launched_) launch();
  }

  void ack_writes(bool enable) override { stream_.ack_writes(enable); }
  std::vector<char>& wr_buf() override { return stream_.wr_buf(); }
  std::vector<char>& rd_buf() override { return stream_.rd_buf(); }

  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }

  void flush() override {
    // Nothing goes out before the peer is authenticated; the handshake's end flushes.
    if (conn_->tls_done)
      stream_.flush(this);
    else
      flush_pending_ = true;
  }

  std::string addr() const override {
    auto x = net::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string{};
  }

  uint16_t port() const override {
    auto x = net::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }

  void add_to_loop() override { stream_.activate(this); }
  void remove_from_loop() override { stream_.passivate(); }

  bool consume(caf::execution_unit* ctx, const void* buf, size_t size) override {
    if (conn_->poisoned) return true;  // the next read fails and CAF closes the connection
    // BASP has let go of this connection (a redundant one to a node it already has, say) and no
    // longer sets what the next part is: what still arrives is dropped unread by CAF.
    if (detached()) return caf::io::scribe::consume(ctx, buf, size);
    if (expect_header_) {
      if (auto refusal = refuse_header(static_cast<const uint8_t*>(buf), size)) {
        conn_->poison("peer connection closed: malformed node message", {{"reason", refusal}});
        return true;
      }
    } else {
      expect_header_ = true;
    }
    if (!conn_->admitted && ++conn_->parts_read >= 2) conn_->admitted = true;
    return caf::io::scribe::consume(ctx, buf, size);
  }

  void detach_from(caf::io::abstract_broker* broker) override {
    caf::io::scribe::detach_from(broker);
    release_slot();
  }

  /// The TLS handshake is done: send what BASP queued meanwhile.
  void tls_established() {
    if (!flush_pending_) return;
    flush_pending_ = false;
    stream_.flush(this);
  }

  /// The TLS handshake must write before it can read on.
  void want_write() { stream_.force_empty_write(this); }

 private:
  void launch() {
    launched_ = true;
    stream_.start(this);
  }

  /// Frees this connection's place under max_peer_connections once: when the broker lets go of
  /// it, or at the latest when it is destroyed.
  void release_slot() {
    if (conn_->accepted && !slot_released_) --conn_->config->accepted;
    slot_released_ = true;
  }

  /// Why the BASP header in `buf` must not reach CAF, or null. CAF 0.17 reads a handshake's
  /// payload without checking that there is one: a handshake header announcing none made it read
  /// a null pointer and end the node (found by tests/fuzz/node_port_fuzz.cpp). Tracks whether the
  /// next part is a header or a payload, as BASP reads them.
  const char* refuse_header(const uint8_t* buf, size_t size) {
    if (size != basp_header_size) return "a header of the wrong size";
    auto operation = buf[0];
    uint32_t payload = (uint32_t{buf[4]} << 24) | (uint32_t{buf[5]} << 16) |
                       (uint32_t{buf[6]} << 8) | uint32_t{buf[7]};
    if (operation > basp_last_operation) return "an unknown operation";
    // A direct or routed message carries its message id as operation data: cleave uses no CAF
    // streams, and a stream category on a message that is none made CAF 0.17's mailbox read a
    // null element and end the node (found by tests/fuzz/node_port_fuzz.cpp).
    if (operation == basp_direct_message || operation == basp_routed_message) {
      uint64_t id = 0;
      for (int i = 8; i < 16; ++i) id = (id << 8) | buf[i];
      if (((id & caf::message_id::category_flag_mask) >> caf::message_id::category_offset) >=
          caf::message_id::upstream_message_category)
        return "a stream message";
    }
    bool handshake = operation == basp_server_handshake || operation == basp_client_handshake;
    if (handshake && payload == 0) return "a handshake without payload";
    // Each side sends its own kind of handshake only.
    if (operation == (conn_->accepted ? basp_server_handshake : basp_client_handshake))
      return "a handshake of the other side";
    expect_header_ = payload == 0;
    return nullptr;
  }

  static constexpr size_t basp_header_size = 32;
  static constexpr uint8_t basp_server_handshake = 0x00;
  static constexpr uint8_t basp_client_handshake = 0x01;
  static constexpr uint8_t basp_direct_message = 0x02;
  static constexpr uint8_t basp_routed_message = 0x03;
  /// heartbeat, the highest operation of CAF 0.17's BASP (caf/io/basp/message_type.hpp).
  static constexpr uint8_t basp_last_operation = 0x06;

  std::shared_ptr<connection> conn_;
  bool launched_ = false;
  bool flush_pending_ = false;
  bool expect_header_ = true;
  bool slot_released_ = false;
  net::stream_impl<guarded_policy> stream_;
};

bool connection::advance_handshake() {
  switch (tls->handshake()) {
    case tls_status::done:
      tls_done = true;
      if (owner != nullptr) owner->tls_established();
      return true;
    case tls_status::want_read:
      return true;
    case tls_status::want_write:
      if (owner != nullptr) owner->want_write();
      return true;
    case tls_status::failed:
      break;
  }
  auto detail = tls->errors();
  std::string reason = !check.refusal.empty() ? check.refusal
                       : !detail.empty()      ? detail
                                              : "the peer closed the connection";
  poisoned = true;
  config->log_refusal(accepted ? "peer refused: TLS handshake failed"
                               : "connection to a node failed: TLS handshake",
                      [&] {
                        auto f = fields();
                        f["reason"] = reason;
                        return f;
                      }());
  return false;
}

// -- the handshake watch -----------------------------------------------------------------------

handshake_watch::handshake_watch() : thread_([this] { run(); }) {}

handshake_watch::~handshake_watch() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void handshake_watch::add(const std::shared_ptr<connection>& c, steady::time_point deadline) {
  std::lock_guard<std::mutex> guard{mutex_};
  queue_.emplace_back(deadline, c);
  if (queue_.size() == 1) wake_.notify_one();
}

void handshake_watch::run() {
  std::unique_lock<std::mutex> guard{mutex_};
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(guard);
      continue;
    }
    auto due = queue_.front().first;
    if (steady::now() < due) {
      wake_.wait_until(guard, due);
      continue;
    }
    auto weak = std::move(queue_.front().second);
    queue_.pop_front();
    guard.unlock();
    if (auto c = weak.lock()) {
      std::lock_guard<std::mutex> alive{c->mutex};
      // While `mutex` is held the scribe cannot finish, so the socket is still this connection's.
      if (!c->gone && !c->admitted && !c->poisoned.exchange(true)) {
        auto f = c->basic_fields();
        f["handshake_timeout_ms"] = static_cast<int64_t>(c->config->handshake_timeout.count());
        c->config->log_refusal("peer connection closed: no handshake in time", std::move(f));
        ::shutdown(c->fd, SHUT_RDWR);
      }
    }
    guard.lock();
  }
}

// -- accepting and dialling --------------------------------------------------------------------

std::string address_of(native_socket fd) {
  auto host = net::remote_addr_of_fd(fd);
  auto port = net::remote_port_of_fd(fd);
  return (host ? *host : std::string{"?"}) + ":" + (port ? std::to_string(*port) : "?");
}

/// A connection on `fd` (TLS unless insecure); null if OpenSSL cannot make a session.
std::shared_ptr<connection> make_connection(const std::shared_ptr<network_config>& cfg,
                                            native_socket fd, bool accepted, std::string peer,
                                            std::string expected) {
  auto c = std::make_shared<connection>(cfg, fd, accepted, std::move(peer));
  c->check.expected = std::move(expected);
  if (cfg->tls) {
    c->tls = cfg->tls->new_session(fd, accepted, c->check);
    if (!c->tls) return nullptr;
  }
  return c;
}

class guarded_doorman : public net::doorman_impl {
 public:
  guarded_doorman(net::default_multiplexer& mpx, native_socket fd,
                  std::shared_ptr<network_config> config, std::shared_ptr<handshake_watch> watch)
      : net::doorman_impl(mpx, fd), config_(std::move(config)), watch_(std::move(watch)) {}

  bool new_connection() override {
    if (detached()) return false;
    auto& mpx = acceptor_.backend();
    auto fd = acceptor_.accepted_socket();
    caf::detail::socket_guard guard{fd};
    auto peer = address_of(fd);
    if (config_->accepted.load() >= config_->max_peer_connections) {
      config_->log_refusal(
          "peer refused: too many connections",
          {{"peer", peer}, {"max_peer_connections", config_->max_peer_connections}});
      return false;  // the guard closes the socket
    }
    net::nonblocking(fd, true);
    net::tcp_nodelay(fd, true);
    auto c = make_connection(config_, fd, true, peer, "");
    if (!c) {
      config_->log_refusal("peer refused: cannot make a TLS session",
                           {{"peer", peer}, {"reason", config_->tls->errors()}});
      return false;
    }
    ++config_->accepted;
    auto scribe = caf::make_counted<guarded_scribe>(mpx, fd, c);
    guard.release();
    watch_->add(c, steady::now() + config_->handshake_timeout);
    auto hdl = scribe->hdl();
    parent()->add_scribe(std::move(scribe));
    return doorman::new_connection(&mpx, hdl);
  }

 private:
  std::shared_ptr<network_config> config_;
  std::shared_ptr<handshake_watch> watch_;
};

/// Why binding `addr`:`port` fails now ("Address already in use"), found by trying it.
std::string why_no_bind(const char* addr, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(addr, std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr)
    return "cannot open a socket there";
  std::string out = "cannot open a socket there";
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) out = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return out;
}

class network_actor : public caf::io::middleman_actor_impl {
 public:
  network_actor(caf::actor_config& cfg, caf::actor broker, std::shared_ptr<network_config> config,
                std::shared_ptr<handshake_watch> watch)
      : caf::io::middleman_actor_impl(cfg, std::move(broker)),
        config_(std::move(config)),
        watch_(std::move(watch)) {}

  const char* name() const override { return "cleave.network"; }

 protected:
  caf::expected<caf::io::scribe_ptr> connect(const std::string& host, uint16_t port) override {
    // A connection handed to BASP while the middleman shuts down is never closed: it keeps this
    // actor alive, and ~actor_system waits for it for ever.
    if (config_->stopping)
      return caf::make_error(caf::sec::cannot_connect_to_node, "node stopping");
    auto fd = dial(host, port, config_->handshake_timeout);
    if (!fd) return std::move(fd.error());
    caf::detail::socket_guard guard{*fd};
    net::tcp_nodelay(*fd, true);
    auto address = host + ":" + std::to_string(port);
    auto i = config_->nodes_by_address.find(address);
    auto expected = i != config_->nodes_by_address.end() ? i->second : std::string{};
    auto c = make_connection(config_, *fd, false, address, expected);
    if (!c)
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             "cannot make a TLS session: " + config_->tls->errors());
    auto scribe = caf::make_counted<guarded_scribe>(mpx(), *fd, c);
    guard.release();
    // The client speaks first; the socket is not in the event loop yet, so this thread may.
    if (c->tls && !c->advance_handshake())
      return caf::make_error(caf::sec::cannot_connect_to_node, "TLS handshake failed");
    // The dial may have waited while the node began to stop.
    if (config_->stopping)
      return caf::make_error(caf::sec::cannot_connect_to_node, "node stopping");
    watch_->add(c, steady::now() + config_->handshake_timeout);
    return scribe;
  }

  caf::expected<caf::io::doorman_ptr> open(uint16_t port, const char* addr, bool reuse) override {
    auto fd = net::new_tcp_acceptor_impl(port, addr, reuse);
    // CAF's error says only "tcp socket creation failed": ask the kernel why.
    if (!fd) return caf::make_error(caf::sec::cannot_open_port, why_no_bind(addr, port));
    return caf::make_counted<guarded_doorman>(mpx(), *fd, config_, watch_);
  }

 private:
  net::default_multiplexer& mpx() {
    return static_cast<net::default_multiplexer&>(system().middleman().backend());
  }

  std::shared_ptr<network_config> config_;
  std::shared_ptr<handshake_watch> watch_;
};

caf::actor spawn_network_actor(caf::actor_system& sys, std::shared_ptr<network_config> config,
                               std::shared_ptr<handshake_watch> watch) {
  auto broker = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  return caf::actor_cast<caf::actor>(sys.spawn<network_actor, caf::detached + caf::hidden>(
      std::move(broker), std::move(config), std::move(watch)));
}

}  // namespace cleave::transport::detail
