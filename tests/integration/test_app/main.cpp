// cleave_test_app: the components of tests/runtime/component as an app, so that integration
// tests can place them on separate nodes.
#include "runtime/node/app.hpp"
#include "tests/runtime/component/test_components.hpp"

int main(int argc, char** argv) {
  cleave::app app{"cleave_test_app"};
  for (auto& c : component_test::all_components()) app.add(std::move(c));
  return app.main(argc, argv);
}
