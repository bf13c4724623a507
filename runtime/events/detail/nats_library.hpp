// What libcleave_nats.so gives the runtime: the NATS JetStream client (nats_client.hpp) over the
// NATS C client. libnats links OpenSSL, and linking it into the runtime made every process map
// both at start, monoliths included; loaded by the first nats_connection::connect, only a process
// whose placement has a "nats" event topic pays for them (as with TLS, tls_library.hpp).
//
// Runtime and library must come from the same build: `abi` is checked, and nothing else is.
#pragma once

#include <cstdint>
#include <memory>

#include <caf/expected.hpp>

#include "runtime/events/detail/nats_client.hpp"

namespace cleave::detail {

/// Raised whenever a declaration of this header or of nats_client.hpp changes.
constexpr uint32_t nats_library_abi = 1;

/// The library's file name.
constexpr const char* nats_library_file = "libcleave_nats.so";

/// The one symbol the library exports (extern "C", returns `const void*`): its table.
constexpr const char* nats_library_entry = "cleave_nats_library";

/// The library's functions.
struct nats_library {
  uint32_t abi;
  /// nats_connection::connect, without the loading.
  caf::expected<std::shared_ptr<nats_connection>> (*connect)(const nats_settings& settings);
};

/// The library, loaded on the first call (thread-safe; never unloaded); the error (unavailable)
/// says where it was looked for and why it could not be used.
caf::expected<const nats_library*> load_nats_library();

}  // namespace cleave::detail
