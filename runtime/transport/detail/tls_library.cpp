#include "runtime/transport/detail/tls_library.hpp"

#include "runtime/core/detail/module_loader.hpp"
#include "runtime/core/error.hpp"

namespace cleave::transport::detail {

caf::expected<const tls_library*> tls() {
  static const caf::expected<const tls_library*> loaded = cleave::detail::load_module<tls_library>(
      {tls_library_file, tls_library_entry, tls_library_abi,
       "mutual TLS between nodes and making certificates need it; a placement with "
       "security.insecure does not"});
  return loaded;
}

caf::expected<std::shared_ptr<const tls_context>> load_tls_context(const tls_files& files,
                                                                   std::set<std::string> allowed) {
  auto lib = tls();
  if (!lib) return std::move(lib.error());
  std::shared_ptr<const tls_context> out;
  auto err = (*lib)->load_context(files, std::move(allowed), out);
  if (!err.empty()) return make_error(errc::unavailable, err);
  return out;
}

}  // namespace cleave::transport::detail
