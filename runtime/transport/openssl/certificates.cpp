// Making the cluster's certificates (certs.hpp) with OpenSSL: EC P-256 keys, SHA-256 signatures.
// Part of libcleave_tls.so; errors are returned as text ("" = none).
#include "runtime/transport/openssl/certificates.hpp"

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

#include "runtime/transport/openssl/errors.hpp"

namespace cleave::transport::openssl {

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

std::string failure(const std::string& what) {
  auto detail = take_errors();
  return what + ": " + (detail.empty() ? "unknown OpenSSL error" : detail);
}

std::string system_failure(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

/// Creates `dir` and its parents (mode 0700 for those it makes).
std::string make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    auto part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return system_failure("cannot create certificate folder " + part);
  }
  return {};
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// Opens `path` for writing with `mode` (created or truncated).
std::string open_for_writing(const std::string& path, mode_t mode, file_ptr& out) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return system_failure("cannot write " + path);
  ::fchmod(fd, mode);  // an existing file keeps its mode otherwise
  out.reset(::fdopen(fd, "w"));
  if (!out) {
    ::close(fd);
    return system_failure("cannot write " + path);
  }
  return {};
}

std::string write_key(const std::string& path, EVP_PKEY* key, const std::string& passphrase) {
  file_ptr f;
  if (auto err = open_for_writing(path, 0600, f); !err.empty()) return err;
  const EVP_CIPHER* cipher = passphrase.empty() ? nullptr : EVP_aes_256_cbc();
  auto* pass = reinterpret_cast<unsigned char*>(const_cast<char*>(passphrase.data()));
  if (PEM_write_PrivateKey(f.get(), key, cipher, passphrase.empty() ? nullptr : pass,
                           static_cast<int>(passphrase.size()), nullptr, nullptr) != 1)
    return failure("cannot write " + path);
  return {};
}

std::string write_cert(const std::string& path, X509* cert) {
  file_ptr f;
  if (auto err = open_for_writing(path, 0644, f); !err.empty()) return err;
  if (PEM_write_X509(f.get(), cert) != 1) return failure("cannot write " + path);
  return {};
}

std::string new_key(key_ptr& out) {
  out.reset(EVP_EC_gen("P-256"));
  return out ? std::string{} : failure("cannot make a key");
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
std::string new_cert(const std::string& common_name, EVP_PKEY* key, X509* issuer,
                     EVP_PKEY* issuer_key, bool is_ca, const cert_options& opts, cert_ptr& out) {
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
  out = std::move(cert);
  return {};
}

std::string read_key(const std::string& path, key_ptr& out) {
  file_ptr f{std::fopen(path.c_str(), "r")};
  if (!f) return system_failure("cannot read " + path);
  out.reset(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  return out ? std::string{} : failure("cannot read the key in " + path);
}

std::string read_cert(const std::string& path, cert_ptr& out) {
  file_ptr f{std::fopen(path.c_str(), "r")};
  if (!f) return system_failure("cannot read " + path);
  out.reset(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  return out ? std::string{} : failure("cannot read the certificate in " + path);
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

std::string make_ca(const std::string& dir, const std::string& app, const cert_options& opts) {
  if (auto err = make_dirs(dir); !err.empty()) return err;
  key_ptr key;
  if (auto err = new_key(key); !err.empty()) return err;
  // A CA of each cluster is told apart by name too, not only by its key.
  unsigned char id[4];
  if (RAND_bytes(id, sizeof id) != 1) return failure("cannot draw a CA id");
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
  cert_ptr cert;
  if (auto err =
          new_cert("cleave CA " + app + " " + hex, key.get(), nullptr, key.get(), true, opts, cert);
      !err.empty())
    return err;
  if (auto err = write_key(dir + "/ca.key", key.get(), opts.passphrase); !err.empty()) return err;
  return write_cert(ca_cert_file(dir), cert.get());
}

std::string make_identity(const std::string& dir, const std::string& identity,
                          const cert_options& opts) {
  key_ptr ca_key;
  if (auto err = read_key(dir + "/ca.key", ca_key); !err.empty()) return err;
  cert_ptr ca;
  if (auto err = read_cert(ca_cert_file(dir), ca); !err.empty()) return err;
  auto files = files_of(dir, identity);
  auto folder = files.cert.substr(0, files.cert.rfind('/'));
  if (auto err = make_dirs(folder); !err.empty()) return err;
  key_ptr key;
  if (auto err = new_key(key); !err.empty()) return err;
  cert_ptr cert;
  if (auto err = new_cert(identity, key.get(), ca.get(), ca_key.get(), false, opts, cert);
      !err.empty())
    return err;
  // The key first: a certificate without its key would count as made.
  if (auto err = write_key(files.key, key.get(), opts.passphrase); !err.empty()) return err;
  return write_cert(files.cert, cert.get());
}

std::string ensure_certs(const std::string& dir, const std::string& app,
                         const std::vector<std::string>& identities) {
  if (auto err = make_dirs(dir); !err.empty()) return err;
  folder_lock lock{dir};
  if (!lock.locked()) return system_failure("cannot lock certificate folder " + dir);
  if (!exists(ca_cert_file(dir)))
    if (auto err = make_ca(dir, app, {}); !err.empty()) return err;
  for (const auto& id : identities)
    if (!exists(files_of(dir, id).cert))
      if (auto err = make_identity(dir, id, {}); !err.empty()) return err;
  return {};
}

}  // namespace cleave::transport::openssl
