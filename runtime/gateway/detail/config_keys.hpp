// The gateway's own config keys, as its config struct declares them (gateway.cpp), with the
// middleware's objects: the keys a placement may give it, and those no middleware may claim.
#pragma once

#include <string>
#include <vector>

namespace cleave::detail {

std::vector<std::string> gateway_own_config_keys();

}  // namespace cleave::detail
