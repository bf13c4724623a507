// Opening a TCP connection with a deadline: CAF's connect (and a plain blocking connect) waits
// until TCP gives up, minutes on a silent host. Used for node connections and by the registry's
// etcd client.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>

namespace cleave::transport::detail {

/// A connected, non-blocking, close-on-exec socket to `host`:`port` (resolved now: a DNS name is
/// looked up on every call) within `timeout`, or sec::cannot_connect_to_node saying why
/// ("cannot resolve HOST: ...", "cannot connect to HOST:PORT: Connection refused").
caf::expected<int> dial(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

}  // namespace cleave::transport::detail
