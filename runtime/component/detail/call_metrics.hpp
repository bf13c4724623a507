// Caller-side metrics of calls: cleave_calls_total{component,op,placement,outcome} and
// cleave_call_duration_seconds{component,op,placement}, in the process's default registry, and
// the call graph's edge from the calling component (call_edges.hpp).
//
// Recording sits on the in-process call's hot path, so series handles are cached per thread, per
// (operation, component, caller): a recorded call costs one hash lookup and a few atomic adds.
#pragma once

#include <chrono>
#include <string>

#include <caf/error.hpp>

namespace cleave::detail {

/// Records one finished call from `caller` (an interned name, see call_edges.hpp; null for none)
/// to `component` (operation `op`, a message name with static storage) that went to another node
/// (`remote`) or not, ended with `err` (none = ok), after `elapsed`.
void record_call(const std::string* caller, const std::string& component, const char* op,
                 bool remote, const caf::error& err, std::chrono::steady_clock::duration elapsed);

}  // namespace cleave::detail
