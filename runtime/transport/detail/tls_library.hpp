// What libcleave_tls.so gives the runtime: everything of cleave that calls OpenSSL (node
// connections' TLS, making certificates). Linking OpenSSL into every binary cost each process
// ~1.7 MB of RSS and ~3 ms of start (libcrypto's relocations), monoliths included, which never
// open a node port (docs/performance.md, B7); loading it on first use costs them nothing.
//
// The library is looked for beside the executable, then where the dynamic loader looks
// (runtime/core/detail/module_loader.hpp). Runtime and library must come from the same build:
// `abi` is checked, and nothing else is.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include <caf/expected.hpp>

#include "runtime/transport/certs.hpp"
#include "runtime/transport/detail/tls.hpp"

namespace cleave::transport::detail {

/// Raised whenever a declaration of this header, tls.hpp or cert_options changes.
constexpr uint32_t tls_library_abi = 1;

/// The library's file name.
constexpr const char* tls_library_file = "libcleave_tls.so";

/// The one symbol the library exports (extern "C", returns `const void*`): its table.
constexpr const char* tls_library_entry = "cleave_tls_library";

/// The library's functions. Each returns "" on success, else what failed.
struct tls_library {
  uint32_t abi;
  std::string (*load_context)(const tls_files& files, std::set<std::string> allowed,
                              std::shared_ptr<const tls_context>& out);
  std::string (*make_ca)(const std::string& dir, const std::string& app, const cert_options& opts);
  std::string (*make_identity)(const std::string& dir, const std::string& identity,
                               const cert_options& opts);
  std::string (*ensure_certs)(const std::string& dir, const std::string& app,
                              const std::vector<std::string>& identities);
};

/// The library, loaded on the first call (thread-safe; never unloaded); the error says where it
/// was looked for and why it could not be used.
caf::expected<const tls_library*> tls();

}  // namespace cleave::transport::detail
