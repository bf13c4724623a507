// Program output meant for people (a driver's report), one whole line at a time.
#pragma once

#include <string_view>

namespace cleave {

/// Writes `line` and a newline to stdout and flushes, without interleaving with other threads.
void say(std::string_view line);

}  // namespace cleave
