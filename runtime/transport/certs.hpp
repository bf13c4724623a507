// The cluster's certificates: one CA per cluster, and a certificate per node (Common Name = its
// placement name) and for the `cleave` tool, all made here with OpenSSL (EC P-256, SHA-256).
//
// A certificate folder holds
//   ca.pem              the CA's certificate: every node trusts it and nothing else
//   ca.key              the CA's key (only where certificates are made; keep it off the nodes)
//   nodes/NAME.pem/.key a node's certificate and key
//   tool.pem/.key       the `cleave` tool's (cleave status)
// Keys are written with mode 0600, folders with 0700. Making them loads libcleave_tls.so
// (detail/tls_library.hpp); an error says if it cannot be found.
//
//   auto err = cleave::transport::ensure_certs(".certs/split", "banano", {"front", "store"});
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace cleave::transport {

/// The Common Name of the `cleave` tool's certificate; not a valid node name, so no node can
/// claim it.
constexpr const char* tool_identity = "cleave tool";

/// The certificate and key files of one identity (a node name or tool_identity).
struct identity_files {
  std::string cert;
  std::string key;
};

/// `dir`/ca.pem.
inline std::string ca_cert_file(const std::string& dir) {
  return dir + "/ca.pem";
}

/// Where the files of `identity` are in certificate folder `dir`.
inline identity_files files_of(const std::string& dir, const std::string& identity) {
  if (identity == tool_identity) return {dir + "/tool.pem", dir + "/tool.key"};
  return {dir + "/nodes/" + identity + ".pem", dir + "/nodes/" + identity + ".key"};
}

/// How a certificate is made.
struct cert_options {
  /// Validity, relative to now: from `not_before` to `not_after` (tests make expired ones).
  std::chrono::seconds not_before{-std::chrono::hours(1)};
  std::chrono::seconds not_after{std::chrono::hours(24 * 825)};
  /// Encrypts the key (AES-256) with this passphrase when not empty.
  std::string passphrase;
};

/// Makes a new CA for `app` in `dir` (ca.pem, ca.key), replacing any there.
caf::error make_ca(const std::string& dir, const std::string& app, const cert_options& opts = {});

/// Makes the certificate and key of `identity`, signed by the CA in `dir` (ca.pem and ca.key).
caf::error make_identity(const std::string& dir, const std::string& identity,
                         const cert_options& opts = {});

/// Makes what is missing in `dir`: the CA (if ca.pem is missing) and the certificate of each of
/// `identities`. Holds a lock on `dir` meanwhile, so that nodes started together make them once.
caf::error ensure_certs(const std::string& dir, const std::string& app,
                        const std::vector<std::string>& identities);

}  // namespace cleave::transport
