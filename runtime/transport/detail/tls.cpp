#include "runtime/transport/detail/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>

#include "runtime/core/error.hpp"

namespace cleave::transport::detail {

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

}  // namespace

std::string take_openssl_errors() {
  std::string out;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string{buf};
  }
  return out;
}

caf::expected<std::shared_ptr<tls_context>> tls_context::load(const tls_files& files,
                                                              std::set<std::string> allowed) {
  std::shared_ptr<tls_context> out{new tls_context};
  out->allowed_ = std::move(allowed);
  auto fail = [](const std::string& what) {
    auto detail = take_openssl_errors();
    return make_error(errc::unavailable, what + (detail.empty() ? "" : ": " + detail));
  };
  out->ctx_ = SSL_CTX_new(TLS_method());
  if (out->ctx_ == nullptr) return fail("cannot make a TLS context");
  auto* ctx = out->ctx_;
  // Both ends are cleave nodes: nothing older than TLS 1.3 is ever needed.
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  // The stream retries a partial write with a buffer that may have moved.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // One read(2) takes whatever has arrived, not a record header and then its body.
  SSL_CTX_set_read_ahead(ctx, 1);
  // AES-128-GCM first: as strong as needed between a cluster's nodes, and the cheapest with
  // AES-NI for the small records node messages are.
  SSL_CTX_set_ciphersuites(ctx,
                           "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                           "TLS_CHACHA20_POLY1305_SHA256");
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_default_passwd_cb(ctx, passphrase_callback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&files.passphrase));
  bool loaded = SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()) == 1;
  if (!loaded) return fail("cannot load certificate " + files.cert);
  loaded = SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) == 1;
  // The passphrase is needed only while the key is read.
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (!loaded)
    return fail("cannot load key " + files.key +
                (files.passphrase.empty() ? " (if it is encrypted, set "
                                            "security.key_passphrase_env or key_passphrase_file)"
                                          : " (wrong passphrase?)"));
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail("key " + files.key + " does not belong to certificate " + files.cert);
  if (SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr) != 1)
    return fail("cannot load CA certificate " + files.ca);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
  return out;
}

tls_context::~tls_context() {
  SSL_CTX_free(ctx_);
}

SSL* tls_context::new_session(int fd, bool accepted, peer_check& check) const {
  check.allowed = &allowed_;
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) return nullptr;
  SSL_set_ex_data(ssl, check_index(), &check);
  SSL_set_fd(ssl, fd);
  if (accepted)
    SSL_set_accept_state(ssl);
  else
    SSL_set_connect_state(ssl);
  return ssl;
}

}  // namespace cleave::transport::detail
