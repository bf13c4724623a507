// Caller-side metrics of calls: cleave_calls_total{component,op,placement,outcome} and
// cleave_call_duration_seconds{component,op,placement}, in the process's default registry.
//
// Recording sits on the in-process call's hot path, so series handles are cached per thread, per
// (operation, component): a recorded call costs one hash lookup and two atomic adds.
#pragma once

#include <chrono>
#include <string>

#include <caf/error.hpp>

namespace cleave::detail {

/// Records one finished call to `component` (operation `op`, a message name with static storage)
/// that went to another node (`remote`) or not, ended with `err` (none = ok), after `elapsed`.
void record_call(const std::string& component, const char* op, bool remote, const caf::error& err,
                 std::chrono::steady_clock::duration elapsed);

}  // namespace cleave::detail
