// cleave_test_app_skewed: cleave_test_app as an older build would be, whose "echo" component does
// not know the `echo` message type (it takes `fail` instead). Integration tests place it on a node
// to show that a message type unknown on the receiving side gives the caller a clear error and
// leaves the node running.
#include <caf/event_based_actor.hpp>

#include "runtime/component/handlers.hpp"
#include "runtime/node/app.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

caf::behavior old_echo(caf::event_based_actor*, const cleave::component_context&) {
  return cleave::handlers([](const component_test::fail&) {
    return component_test::echoed{"old", "echo"};
  });
}

}  // namespace

int main(int argc, char** argv) {
  cleave::app app{"cleave_test_app"};
  for (auto& c : component_test::all_components()) {
    if (c.name() == "echo")
      app.add(cleave::component::make<component_test::fail>("echo", old_echo));
    else
      app.add(std::move(c));
  }
  return app.main(argc, argv);
}
