// A small blocking client for NATS JetStream over the NATS C client (libnats): connect, make sure a
// stream exists, publish with deduplication ids, and read through durable pull consumers with
// explicit acks. The "nats" transport of events calls it from detached actors, since every call
// may block for up to its wait.
//
//   auto nc = nats_connection::connect({"nats://127.0.0.1:4222"});
//   if (!nc) return nc.error();                      // unavailable: no server at start
//   if (auto err = (*nc)->ensure_stream("EVENTS", {"events.>"})) return err;
//   auto ack = (*nc)->publish("events.news", R"({"id":1})", "news-1", {}, 2s);
//   // outcome_unknown: maybe stored; publish again with the same msg id (deduplicated)
//   auto consumer = (*nc)->durable_consumer("EVENTS", "events.news", "reader", 30s);
//   auto batch = (*consumer)->fetch(10, 1s);         // empty if nothing came within 1 s
//   for (auto& d : *batch) { handle(d.payload()); d.ack(); }
//
// Errors are cleave errors (runtime/core/error.hpp): no server, a lost connection or no stream for
// a subject is `unavailable`, a publish or ack whose answer did not come in time is
// `outcome_unknown` (made while disconnected, the C client keeps it in its reconnect buffer and
// sends it on reconnect), a missing stream is `not_found`, any other JetStream API refusal is
// `internal` with the server's text, and a bad argument is `invalid_argument`. Nothing throws.
//
// Threads: a connection may be used from several threads at once (as the C client allows); a
// consumer and a delivery from one thread at a time (a consumer's fetches share one reply subject).
//
// The client lives in libcleave_nats.so (nats_library.hpp), which the first connect() loads, so
// that only a process whose placement has a "nats" topic maps libnats and, through it, OpenSSL. Its
// classes are therefore interfaces that the library implements, and nats_delivery, a value, holds
// the library's implementation; all but connect() is inline, since the library cannot call into
// the runtime. Without the library, connect() fails with unavailable, saying where it looked.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "runtime/core/error.hpp"

namespace cleave::detail {

/// Where and how to connect.
struct nats_settings {
  /// The server, e.g. "nats://127.0.0.1:4222". No default.
  std::string url;
  /// How long one attempt to open the TCP connection and handshake may take. Default 2 s.
  std::chrono::milliseconds connect_timeout{2000};
  /// The client name the server shows (in its monitoring and logs). Default: none.
  std::string name;
};

/// The server's answer to a publish.
struct publish_ack {
  /// The message's sequence number in its stream.
  uint64_t sequence = 0;
  /// True if the stream already held a message with this msg id (within its dedup window): the
  /// message was not stored again, and `sequence` is the first one's.
  bool duplicate = false;
};

/// One message fetched through a consumer. Unless it is acked, the server delivers it again after
/// the consumer's ack wait, also when this object is destroyed unacked. A moved-from delivery is
/// empty: "" and 0 for its properties, invalid_argument for ack and nak.
class nats_delivery {
 public:
  // -- member types -------------------------------------------------------------------------------

  /// What the library implements: the C client's message, and the subscription it came through
  /// (which a delivery keeps alive, and with it the connection, since its ack goes through it).
  class impl {
   public:
    virtual ~impl() = default;
    virtual std::string_view subject() const = 0;
    virtual std::string_view payload() const = 0;
    virtual std::string header(const std::string& name) const = 0;
    virtual uint64_t stream_sequence() const = 0;
    virtual uint64_t delivered() const = 0;
    virtual caf::error ack(std::chrono::milliseconds wait) = 0;
    virtual caf::error nak(std::chrono::milliseconds delay) = 0;
  };

  // -- constructors, destructors, and assignment operators ----------------------------------------

  /// Made by the library's consumers.
  explicit nats_delivery(std::unique_ptr<impl> x) noexcept : impl_(std::move(x)) {}

  nats_delivery(nats_delivery&&) noexcept = default;
  nats_delivery& operator=(nats_delivery&&) noexcept = default;
  nats_delivery(const nats_delivery&) = delete;
  nats_delivery& operator=(const nats_delivery&) = delete;

  // -- properties ---------------------------------------------------------------------------------

  /// The subject it was published on.
  std::string_view subject() const { return impl_ ? impl_->subject() : std::string_view{}; }
  /// Its body; valid while this object lives.
  std::string_view payload() const { return impl_ ? impl_->payload() : std::string_view{}; }
  /// Its Nats-Msg-Id header (the id it was published with), or "" if it has none.
  std::string msg_id() const { return header("Nats-Msg-Id"); }
  /// The first value of header `name`, or "" if it has none.
  std::string header(const std::string& name) const {
    return impl_ ? impl_->header(name) : std::string{};
  }
  /// Its sequence number in the stream.
  uint64_t stream_sequence() const { return impl_ ? impl_->stream_sequence() : 0; }
  /// How many times the consumer has delivered it, this time included (1 the first time).
  uint64_t delivered() const { return impl_ ? impl_->delivered() : 0; }

  // -- acknowledgements ---------------------------------------------------------------------------

  /// Tells the server it was handled and waits (at most `wait`) until the server confirms, so
  /// that a confirmed ack is not redelivered. outcome_unknown if no confirmation came in time.
  caf::error ack(std::chrono::milliseconds wait = std::chrono::seconds{5}) {
    if (!impl_) return make_error(errc::invalid_argument, "ack of a moved-from NATS delivery");
    return impl_->ack(wait);
  }

  /// Asks the server to deliver it again after `delay` (0: as soon as possible). Does not wait
  /// for the server: a lost nak only means redelivery after the ack wait instead.
  caf::error nak(std::chrono::milliseconds delay = std::chrono::milliseconds{0}) {
    if (!impl_) return make_error(errc::invalid_argument, "nak of a moved-from NATS delivery");
    return impl_->nak(delay);
  }

 private:
  std::unique_ptr<impl> impl_;
};

/// A bound durable pull consumer. Destroying it leaves the durable consumer (and its acks) on the
/// server, so a later durable_consumer() call with the same name continues where this one stopped.
class nats_consumer {
 public:
  virtual ~nats_consumer() = default;
  nats_consumer(const nats_consumer&) = delete;
  nats_consumer& operator=(const nats_consumer&) = delete;

  /// Fetches up to `max` messages, waiting at most `wait` for the first one. Nothing within
  /// `wait` is an empty vector, not an error, also while the connection is down and reconnecting;
  /// unavailable once it is closed.
  virtual caf::expected<std::vector<nats_delivery>> fetch(int max,
                                                          std::chrono::milliseconds wait) = 0;

 protected:
  nats_consumer() = default;
};

/// A connection to one NATS server with its JetStream context. Once connected it reconnects by
/// itself, for ever, and publishes made meanwhile wait in the C client's reconnect buffer (8 MB).
class nats_connection {
 public:
  // -- constructors, destructors, and assignment operators ----------------------------------------

  /// Loads libcleave_nats.so (the first time; unavailable if it cannot) and connects to
  /// `settings.url`. An unreachable server is an error (unavailable) at once: only a connection
  /// that was up once reconnects. Defined in the runtime (nats_client.cpp), not in the library.
  static caf::expected<std::shared_ptr<nats_connection>> connect(const nats_settings& settings);

  virtual ~nats_connection() = default;
  nats_connection(const nats_connection&) = delete;
  nats_connection& operator=(const nats_connection&) = delete;

  // -- JetStream ----------------------------------------------------------------------------------

  /// Creates file-backed stream `stream` on `subjects` with a 2 min deduplication window, or
  /// updates an existing one of that name to this configuration.
  virtual caf::error ensure_stream(const std::string& stream,
                                   const std::vector<std::string>& subjects) = 0;

  /// Publishes `payload` with `headers` on `subject` and waits (at most `wait`) for the stream's
  /// ack. A non-empty `msg_id` makes a retry after outcome_unknown safe: the stream stores a
  /// message id once within its dedup window.
  virtual caf::expected<publish_ack> publish(
      const std::string& subject, std::string_view payload, const std::string& msg_id,
      const std::vector<std::pair<std::string, std::string>>& headers,
      std::chrono::milliseconds wait) = 0;

  /// Binds to durable pull consumer `durable` of `stream`, creating it (explicit acks, from the
  /// stream's first message, only `subject`, redelivery after `ack_wait`) if it does not exist.
  /// An existing consumer keeps its configuration (internal error if it filters another subject);
  /// not_found if the stream does not exist.
  virtual caf::expected<std::unique_ptr<nats_consumer>> durable_consumer(
      const std::string& stream, const std::string& subject, const std::string& durable,
      std::chrono::milliseconds ack_wait) = 0;

  // -- properties ---------------------------------------------------------------------------------

  /// True while the connection is up (false while it reconnects).
  virtual bool connected() const = 0;

  /// The server's URL, as given to connect().
  virtual const std::string& url() const = 0;

 protected:
  nats_connection() = default;
};

}  // namespace cleave::detail
