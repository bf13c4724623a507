#include "runtime/transport/certs.hpp"

#include "runtime/core/error.hpp"
#include "runtime/transport/detail/tls_library.hpp"

namespace cleave::transport {

namespace {

/// Runs `fn` of the TLS library (loaded on first use) and turns its answer into an error.
template <class Fn>
caf::error with_library(Fn fn) {
  auto lib = detail::tls();
  if (!lib) return std::move(lib.error());
  auto err = fn(**lib);
  return err.empty() ? caf::error{} : make_error(errc::unavailable, err);
}

}  // namespace

caf::error make_ca(const std::string& dir, const std::string& app, const cert_options& opts) {
  return with_library([&](const detail::tls_library& lib) { return lib.make_ca(dir, app, opts); });
}

caf::error make_identity(const std::string& dir, const std::string& identity,
                         const cert_options& opts) {
  return with_library(
      [&](const detail::tls_library& lib) { return lib.make_identity(dir, identity, opts); });
}

caf::error ensure_certs(const std::string& dir, const std::string& app,
                        const std::vector<std::string>& identities) {
  return with_library(
      [&](const detail::tls_library& lib) { return lib.ensure_certs(dir, app, identities); });
}

}  // namespace cleave::transport
