// Compiled by ctest, not built: a coroutine handler calling with a request built inside the
// co_await expression compiles with the project's compiler (clang++-14), and is refused by g++ 12,
// which would free the request's members twice (tests/runtime/component/CMakeLists.txt).
#include <caf/event_based_actor.hpp>

#include "runtime/component/call.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/task.hpp"
#include "tests/runtime/component/test_components.hpp"

caf::behavior sequencer(caf::event_based_actor* self) {
  return cleave::handlers(
      [self](component_test::sequence req) -> cleave::task<component_test::echoed> {
        auto answer = co_await cleave::call(self, "echo", component_test::echo{req.text});
        if (!answer) co_return answer.error();
        co_return *answer;
      });
}
