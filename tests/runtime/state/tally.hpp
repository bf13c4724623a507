// "tally": counts by id, in its durable store (runtime/state). For the state tests, in-process
// and as a node killed with -9 (tests/integration/state_kill_test.cpp, cleave_state_app).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace state_test {

struct item {
  std::string id;
  int64_t count = 0;
};
CLEAVE_MESSAGE(item, id, count)

/// To "tally": adds `by` to the count of `id` in one transaction, answered once committed.
struct bump {
  std::string id;
  int64_t by = 1;
  using response = item;
};
CLEAVE_MESSAGE(bump, id, by)

cleave::component tally_component();

}  // namespace state_test
