// Node connections' TLS (detail/tls.hpp) with OpenSSL: one SSL_CTX per node, one SSL per
// connection. Part of libcleave_tls.so.
#include "runtime/transport/openssl/context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <climits>

#include "runtime/transport/openssl/errors.hpp"

namespace cleave::transport::openssl {

using detail::peer_check;
using detail::tls_files;
using detail::tls_status;

namespace {

int check_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string common_name(X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

int verify_peer(int preverified, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* check =
      ssl != nullptr ? static_cast<peer_check*>(SSL_get_ex_data(ssl, check_index())) : nullptr;
  if (check == nullptr) return 0;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  auto name = cert != nullptr ? common_name(cert) : std::string{"?"};
  if (preverified == 0) {
    if (check->refusal.empty())
      check->refusal = std::string{"certificate of \""} + name + "\" refused: " +
                       X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
    return 0;
  }
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  if (!check->expected.empty() && name != check->expected) {
    check->refusal =
        "certificate of \"" + name + "\" where node \"" + check->expected + "\" was expected";
    return 0;
  }
  if (check->expected.empty() && check->allowed->count(name) == 0) {
    check->refusal = "certificate of \"" + name + "\", which names no node of this placement";
    return 0;
  }
  check->identity = name;
  return 1;
}

int passphrase_callback(char* buf, int size, int, void* user) {
  const auto* passphrase = static_cast<const std::string*>(user);
  if (passphrase == nullptr || size <= 0) return 0;
  auto n = std::min<size_t>(passphrase->size(), static_cast<size_t>(size));
  // OpenSSL takes the length returned, not a terminating NUL.
  std::copy_n(passphrase->data(), n, buf);
  return static_cast<int>(n);
}

class session final : public detail::tls_session {
 public:
  explicit session(SSL* ssl) : ssl_(ssl) {}
  ~session() override { SSL_free(ssl_); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  tls_status handshake() override { return status_of(SSL_do_handshake(ssl_)); }

  tls_status read(void* buf, size_t len, size_t& n) override {
    n = 0;
    int ret = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(len, INT_MAX)));
    if (ret > 0) n = static_cast<size_t>(ret);
    return status_of(ret);
  }

  tls_status write(const void* buf, size_t len, size_t& n) override {
    n = 0;
    int ret = SSL_write(ssl_, buf, static_cast<int>(std::min<size_t>(len, INT_MAX)));
    if (ret > 0) n = static_cast<size_t>(ret);
    return status_of(ret);
  }

  bool has_pending() const override { return SSL_has_pending(ssl_) == 1; }

  std::string errors() override { return take_errors(); }

 private:
  tls_status status_of(int ret) const {
    if (ret > 0) return tls_status::done;
    switch (SSL_get_error(ssl_, ret)) {
      case SSL_ERROR_WANT_READ:
        return tls_status::want_read;
      case SSL_ERROR_WANT_WRITE:
        return tls_status::want_write;
      default:
        return tls_status::failed;
    }
  }

  SSL* ssl_;
};

class context final : public detail::tls_context {
 public:
  explicit context(std::set<std::string> allowed) : allowed_(std::move(allowed)) {}
  ~context() override { SSL_CTX_free(ctx_); }
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  std::string load(const tls_files& files) {
    auto fail = [](const std::string& what) {
      auto detail = take_errors();
      return what + (detail.empty() ? "" : ": " + detail);
    };
    ctx_ = SSL_CTX_new(TLS_method());
    if (ctx_ == nullptr) return fail("cannot make a TLS context");
    // Both ends are cleave nodes: nothing older than TLS 1.3 is ever needed.
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    // The stream retries a partial write with a buffer that may have moved.
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
    // One read(2) takes whatever has arrived, not a record header and then its body.
    SSL_CTX_set_read_ahead(ctx_, 1);
    // AES-128-GCM first: as strong as needed between a cluster's nodes, and the cheapest with
    // AES-NI for the small records node messages are.
    SSL_CTX_set_ciphersuites(ctx_,
                             "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                             "TLS_CHACHA20_POLY1305_SHA256");
    SSL_CTX_set_num_tickets(ctx_, 0);
    SSL_CTX_set_default_passwd_cb(ctx_, passphrase_callback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx_, const_cast<std::string*>(&files.passphrase));
    bool loaded = SSL_CTX_use_certificate_chain_file(ctx_, files.cert.c_str()) == 1;
    if (!loaded) return fail("cannot load certificate " + files.cert);
    loaded = SSL_CTX_use_PrivateKey_file(ctx_, files.key.c_str(), SSL_FILETYPE_PEM) == 1;
    // The passphrase is needed only while the key is read.
    SSL_CTX_set_default_passwd_cb_userdata(ctx_, nullptr);
    if (!loaded)
      return fail("cannot load key " + files.key +
                  (files.passphrase.empty()
                       ? " (if it is encrypted, set security.key_passphrase_env or "
                         "key_passphrase_file)"
                       : " (wrong passphrase?)"));
    if (SSL_CTX_check_private_key(ctx_) != 1)
      return fail("key " + files.key + " does not belong to certificate " + files.cert);
    if (SSL_CTX_load_verify_locations(ctx_, files.ca.c_str(), nullptr) != 1)
      return fail("cannot load CA certificate " + files.ca);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
    return {};
  }

  std::unique_ptr<detail::tls_session> new_session(int fd, bool accepted,
                                                   peer_check& check) const override {
    check.allowed = &allowed_;
    SSL* ssl = SSL_new(ctx_);
    if (ssl == nullptr) return nullptr;
    auto out = std::make_unique<session>(ssl);
    SSL_set_ex_data(ssl, check_index(), &check);
    if (SSL_set_fd(ssl, fd) != 1) return nullptr;
    if (accepted)
      SSL_set_accept_state(ssl);
    else
      SSL_set_connect_state(ssl);
    return out;
  }

  std::string errors() const override { return take_errors(); }

 private:
  SSL_CTX* ctx_ = nullptr;
  std::set<std::string> allowed_;
};

}  // namespace

std::string load_context(const tls_files& files, std::set<std::string> allowed,
                         std::shared_ptr<const detail::tls_context>& out) {
  auto ctx = std::make_shared<context>(std::move(allowed));
  if (auto err = ctx->load(files); !err.empty()) return err;
  out = std::move(ctx);
  return {};
}

}  // namespace cleave::transport::openssl
