// Compiled by ctest, not built: a call nobody takes the reply of must not compile (with
// -Werror=unused-result, as cleave's own build and CI have it), and the same call with its reply
// taken must (tests/runtime/component/CMakeLists.txt).
#include <caf/event_based_actor.hpp>

#include "runtime/component/call.hpp"
#include "tests/runtime/component/test_components.hpp"

void orchestrate(caf::event_based_actor* self) {
#ifdef DROP_CALL
  cleave::call(self, "echo", component_test::echo{"lost"});
#else
  cleave::call(self, "echo", component_test::echo{"kept"})
      .then([](const component_test::echoed&) {}, [](const caf::error&) {});
#endif
}
