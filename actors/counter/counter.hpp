// counter: a running total. POST /add {"v":N} -> {"v":total} in the Counter app.
#pragma once

#include <cstdint>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace counter {

struct total {
  int64_t v = 0;
};
CLEAVE_MESSAGE(total, v)

/// Adds `v` to the total and returns the new total.
struct add {
  int64_t v = 0;
  using response = total;
};
CLEAVE_MESSAGE(add, v)

/// "counter".
cleave::component counter_component();

}  // namespace counter
