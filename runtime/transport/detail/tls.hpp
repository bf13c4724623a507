// Mutual TLS 1.3 for node connections, as the rest of the runtime sees it: a context per node and
// a session per connection, with no OpenSSL type in sight. The implementation
// (runtime/transport/openssl/) lives in libcleave_tls.so, loaded on first use (tls_library.hpp):
// a process that opens no node port, a monolith above all, never maps OpenSSL.
//
// A context trusts only the cluster's CA and checks what CAF does not: the Common Name of the
// peer's certificate must be the node dialled (outgoing) or one of the placement's nodes or the
// cleave tool (incoming).
#pragma once

#include <cstddef>
#include <memory>
#include <set>
#include <string>

#include <caf/expected.hpp>

namespace cleave::transport::detail {

/// Files and identities a node's TLS context is made from.
struct tls_files {
  std::string ca;
  std::string cert;
  std::string key;
  /// Passphrase of `key` ("" = not encrypted).
  std::string passphrase;
};

/// What one connection accepts of its peer, and why it refused it. Lives as long as the session
/// it is given to.
struct peer_check {
  /// Outgoing: the node name the peer's certificate must carry ("" = any of `allowed`).
  std::string expected;
  /// Names an incoming peer's certificate may carry.
  const std::set<std::string>* allowed = nullptr;
  /// The Common Name the peer presented, once verified.
  std::string identity;
  /// Why verification refused the peer ("" = it did not).
  std::string refusal;
};

/// How a TLS step went.
enum class tls_status {
  /// Done: the handshake is complete, or bytes were read or written.
  done,
  /// Call again once the socket is readable.
  want_read,
  /// Call again once the socket is writable.
  want_write,
  /// The connection is broken (or the peer closed it); errors() may say why.
  failed,
};

/// One connection's TLS session over a non-blocking socket it does not own.
class tls_session {
 public:
  virtual ~tls_session() = default;
  virtual tls_status handshake() = 0;
  /// Reads up to `len` bytes into `buf`; `n` is how many when done.
  virtual tls_status read(void* buf, size_t len, size_t& n) = 0;
  /// Writes up to `len` bytes of `buf`; `n` is how many when done.
  virtual tls_status write(const void* buf, size_t len, size_t& n) = 0;
  /// Bytes read ahead from the socket and not yet returned by read(): epoll does not see them.
  virtual bool has_pending() const = 0;
  /// What the TLS library reported on this thread since the last call, as one line ("" = none).
  virtual std::string errors() = 0;
};

/// One node's TLS configuration, shared by all its connections.
class tls_context {
 public:
  virtual ~tls_context() = default;
  /// A session on socket `fd`: the server side of an accepted connection, or the client side of
  /// one dialled to node `check.expected` ("" = any allowed identity). `check` must outlive it.
  /// Null if the TLS library cannot make one; errors() of the context says why.
  virtual std::unique_ptr<tls_session> new_session(int fd, bool accepted,
                                                   peer_check& check) const = 0;
  /// What the TLS library reported on this thread since the last call, as one line.
  virtual std::string errors() const = 0;
};

/// Loads libcleave_tls.so if needed, then the files; errors name the file (or library) that
/// failed.
caf::expected<std::shared_ptr<const tls_context>> load_tls_context(const tls_files& files,
                                                                   std::set<std::string> allowed);

}  // namespace cleave::transport::detail
