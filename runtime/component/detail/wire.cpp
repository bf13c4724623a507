#include "runtime/component/detail/wire.hpp"

#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "runtime/core/error.hpp"

namespace cleave::detail {

caf::expected<caf::message> wire_round_trip(caf::actor_system& sys, caf::message msg) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  if (auto err = sink(msg))
    return make_error(errc::internal,
                      "cannot encode " + caf::to_string(msg) + " for the wire: " + describe(err));
  caf::message out;
  caf::binary_deserializer source{sys, buf};
  if (auto err = source(out))
    return make_error(errc::internal, "cannot decode a message from the wire: " + describe(err));
  return out;
}

}  // namespace cleave::detail
