#include "runtime/transport/certs.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "runtime/core/error.hpp"
#include "runtime/transport/detail/tls.hpp"

namespace cleave::transport {

namespace {

struct free_key {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct free_cert {
  void operator()(X509* c) const { X509_free(c); }
};
struct close_file {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, free_key>;
using cert_ptr = std::unique_ptr<X509, free_cert>;
using file_ptr = std::unique_ptr<std::FILE, close_file>;

caf::error failure(const std::string& what) {
  auto detail = detail::take_openssl_errors();
  return make_error(errc::unavailable,
                    what + ": " + (detail.empty() ? "unknown OpenSSL error" : detail));
}

caf::error system_failure(const std::string& what) {
  return make_error(errc::unavailable, what + ": " + std::strerror(errno));
}

/// Creates `dir` and its parents (mode 0700 for those it makes).
caf::error make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    auto part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return system_failure("cannot create certificate folder " + part);
  }
  return caf::none;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// Opens `path` for writing with `mode` (created or truncated).
caf::expected<file_ptr> open_for_writing(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return system_failure("cannot write " + path);
  ::fchmod(fd, mode);  // an existing file keeps its mode otherwise
  std::FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) {
    ::close(fd);
    return system_failure("cannot write " + path);
  }
  return file_ptr{f};
}

caf::error write_key(const std::string& path, EVP_PKEY* key, const std::string& passphrase) {
  auto f = open_for_writing(path, 0600);
  if (!f) return std::move(f.error());
  const EVP_CIPHER* cipher = passphrase.empty() ? nullptr : EVP_aes_256_cbc();
  auto* pass = reinterpret_cast<unsigned char*>(const_cast<char*>(passphrase.data()));
  if (PEM_write_PrivateKey(f->get(), key, cipher, passphrase.empty() ? nullptr : pass,
                           static_cast<int>(passphrase.size()), nullptr, nullptr) != 1)
    return failure("cannot write " + path);
  return caf::none;
}

caf::error write_cert(const std::string& path, X509* cert) {
  auto f = open_for_writing(path, 0644);
  if (!f) return std::move(f.error());
  if (PEM_write_X509(f->get(), cert) != 1) return failure("cannot write " + path);
  return caf::none;
}

caf::expected<key_ptr> new_key() {
  key_ptr key{EVP_EC_gen("P-256")};
  if (!key) return failure("cannot make a key");
  return key;
}

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

/// A certificate for `common_name` with `key`, signed by `issuer_key` (with `issuer` as issuer,
/// or self-signed when null).
caf::expected<cert_ptr> new_cert(const std::string& common_name, EVP_PKEY* key, X509* issuer,
                                 EVP_PKEY* issuer_key, bool is_ca, const cert_options& opts) {
  cert_ptr cert{X509_new()};
  if (!cert) return failure("cannot make a certificate");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return failure("cannot draw a serial number");
  serial[0] &= 0x7F;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(opts.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(opts.not_after.count()));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("cleave"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok =
      is_ca ? add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
                  add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign")
            : add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
                  add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
                  add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
  ok = ok && add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (!ok) return failure("cannot add certificate extensions");
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0)
    return failure("cannot sign the certificate of " + common_name);
  return cert;
}

caf::expected<key_ptr> read_key(const std::string& path) {
  file_ptr f{std::fopen(path.c_str(), "r")};
  if (!f) return system_failure("cannot read " + path);
  key_ptr key{PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr)};
  if (!key) return failure("cannot read the key in " + path);
  return key;
}

caf::expected<cert_ptr> read_cert(const std::string& path) {
  file_ptr f{std::fopen(path.c_str(), "r")};
  if (!f) return system_failure("cannot read " + path);
  cert_ptr cert{PEM_read_X509(f.get(), nullptr, nullptr, nullptr)};
  if (!cert) return failure("cannot read the certificate in " + path);
  return cert;
}

/// Holds an exclusive lock on `dir`/.lock while alive.
class folder_lock {
 public:
  explicit folder_lock(const std::string& dir)
      : fd_(::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~folder_lock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  folder_lock(const folder_lock&) = delete;
  folder_lock& operator=(const folder_lock&) = delete;
  bool locked() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

std::string ca_cert_file(const std::string& dir) {
  return dir + "/ca.pem";
}

identity_files files_of(const std::string& dir, const std::string& identity) {
  if (identity == tool_identity) return {dir + "/tool.pem", dir + "/tool.key"};
  return {dir + "/nodes/" + identity + ".pem", dir + "/nodes/" + identity + ".key"};
}

caf::error make_ca(const std::string& dir, const std::string& app, const cert_options& opts) {
  if (auto err = make_dirs(dir)) return err;
  auto key = new_key();
  if (!key) return std::move(key.error());
  // A CA of each cluster is told apart by name too, not only by its key.
  unsigned char id[4];
  if (RAND_bytes(id, sizeof id) != 1) return failure("cannot draw a CA id");
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
  auto cert = new_cert("cleave CA " + app + " " + hex, key->get(), nullptr, key->get(), true, opts);
  if (!cert) return std::move(cert.error());
  if (auto err = write_key(dir + "/ca.key", key->get(), opts.passphrase)) return err;
  return write_cert(ca_cert_file(dir), cert->get());
}

caf::error make_identity(const std::string& dir, const std::string& identity,
                         const cert_options& opts) {
  auto ca_key = read_key(dir + "/ca.key");
  if (!ca_key) return std::move(ca_key.error());
  auto ca = read_cert(ca_cert_file(dir));
  if (!ca) return std::move(ca.error());
  auto files = files_of(dir, identity);
  auto folder = files.cert.substr(0, files.cert.rfind('/'));
  if (auto err = make_dirs(folder)) return err;
  auto key = new_key();
  if (!key) return std::move(key.error());
  auto cert = new_cert(identity, key->get(), ca->get(), ca_key->get(), false, opts);
  if (!cert) return std::move(cert.error());
  // The key first: a certificate without its key would count as made.
  if (auto err = write_key(files.key, key->get(), opts.passphrase)) return err;
  return write_cert(files.cert, cert->get());
}

caf::error ensure_certs(const std::string& dir, const std::string& app,
                        const std::vector<std::string>& identities) {
  if (auto err = make_dirs(dir)) return err;
  folder_lock lock{dir};
  if (!lock.locked()) return system_failure("cannot lock certificate folder " + dir);
  if (!exists(ca_cert_file(dir)))
    if (auto err = make_ca(dir, app)) return err;
  for (const auto& id : identities)
    if (!exists(files_of(dir, id).cert))
      if (auto err = make_identity(dir, id)) return err;
  return caf::none;
}

}  // namespace cleave::transport
