// The placements of B5's cleave variants, written at run time (ports are picked then).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/expected.hpp>

#include "runtime/placement/placement.hpp"

namespace chain_bench {

/// The four chain components on node "main" (no gateway): the in-process "monolith" variant,
/// checked against the chain's component names.
std::string chain_only_placement();

/// Every component of the app on node "main", the gateway listening on 127.0.0.1:`http_port`
/// with no rate limit and no request log: the "monolith_gateway" variant.
std::string monolith_placement(uint16_t http_port);

/// Node "caller" (the driver, hosting nothing) and nodes "a".."d", one chain component each, at
/// the ports in `ports` (by node name); the unused gateway sits on "a" at a port of its own
/// choosing: the "split" variant (mutual TLS between the nodes), or with `insecure` the
/// "split_plain" variant (plain connections), to measure what TLS costs.
std::string split_placement(const std::map<std::string, uint16_t>& ports, bool insecure = false);

/// Parses `text` as the app does: app name and component names checked. `with_gateway` false
/// for chain_only_placement.
caf::expected<cleave::placement> parse(const std::string& text, const std::string& origin,
                                       bool with_gateway);

}  // namespace chain_bench
