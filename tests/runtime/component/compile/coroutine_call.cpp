// Compiled by ctest, not built (tests/runtime/component/CMakeLists.txt): a coroutine handler
// calling with a request built inside the co_await expression compiles with the project's compiler
// (clang++-14) and is refused by g++ 12, which would free the request's members twice; a coroutine
// handler taking its message by reference (BY_REFERENCE), or answering with another type than its
// request's response (WRONG_RESPONSE), does not compile either.
#include <caf/event_based_actor.hpp>

#include "runtime/component/call.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/task.hpp"
#include "tests/runtime/component/test_components.hpp"

using component_test::echoed;
using component_test::sequence;

#if defined(BY_REFERENCE)
using message = const sequence&;
#else
using message = sequence;
#endif

#if defined(WRONG_RESPONSE)
using answer = int32_t;
#else
using answer = echoed;
#endif

caf::behavior sequencer(caf::event_based_actor* self) {
  return cleave::handlers([self](message req) -> cleave::task<answer> {
    auto reply = co_await cleave::call(self, "echo", component_test::echo{req.text});
    if (!reply) co_return reply.error();
#if defined(WRONG_RESPONSE)
    co_return 1;
#else
    co_return *reply;
#endif
  });
}
