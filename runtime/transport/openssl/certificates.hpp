// Making the cluster's certificates with OpenSSL: what certs.hpp's functions do, inside
// libcleave_tls.so. Each returns "" on success, else what failed.
#pragma once

#include <string>
#include <vector>

#include "runtime/transport/certs.hpp"

namespace cleave::transport::openssl {

std::string make_ca(const std::string& dir, const std::string& app, const cert_options& opts);

std::string make_identity(const std::string& dir, const std::string& identity,
                          const cert_options& opts);

std::string ensure_certs(const std::string& dir, const std::string& app,
                         const std::vector<std::string>& identities);

}  // namespace cleave::transport::openssl
