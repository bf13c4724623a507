// Mutual TLS 1.3 for node connections: one SSL_CTX per node (CAF's openssl module built one per
// connection, re-reading every file each time), trusting only the cluster's CA, and a check of the
// peer's identity that CAF does not make: the Common Name of the peer's certificate must be the
// node dialled (outgoing) or one of the placement's nodes or the cleave tool (incoming).
#pragma once

#include <openssl/ssl.h>

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

/// What one connection accepts of its peer, and why it refused it. Lives as long as the SSL
/// session it is attached to.
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

class tls_context {
 public:
  /// Loads the files; errors name the file that failed.
  static caf::expected<std::shared_ptr<tls_context>> load(const tls_files& files,
                                                          std::set<std::string> allowed);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  /// A session on socket `fd`: the server side of an accepted connection, or the client side of
  /// one dialled to node `expected` ("" = any allowed identity). `check` must outlive it.
  SSL* new_session(int fd, bool accepted, peer_check& check) const;

  const std::set<std::string>& allowed() const { return allowed_; }

 private:
  tls_context() = default;
  SSL_CTX* ctx_ = nullptr;
  std::set<std::string> allowed_;
};

/// The OpenSSL errors queued on this thread, as one line (and clears them).
std::string take_openssl_errors();

}  // namespace cleave::transport::detail
