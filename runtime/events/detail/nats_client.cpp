// The runtime's side of the NATS client: loading libcleave_nats.so, which implements the rest.
#include "runtime/events/detail/nats_client.hpp"

#include "runtime/core/detail/module_loader.hpp"
#include "runtime/events/detail/nats_library.hpp"

namespace cleave::detail {

caf::expected<const nats_library*> load_nats_library() {
  static const caf::expected<const nats_library*> loaded = load_module<nats_library>(
      {nats_library_file, nats_library_entry, nats_library_abi,
       "\"nats\" event topics need it; a placement without them does not"});
  return loaded;
}

caf::expected<std::shared_ptr<nats_connection>> nats_connection::connect(
    const nats_settings& settings) {
  auto lib = load_nats_library();
  if (!lib) return std::move(lib.error());
  return (*lib)->connect(settings);
}

}  // namespace cleave::detail
