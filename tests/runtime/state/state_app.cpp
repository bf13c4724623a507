// cleave_state_app: "tally" as an app, so that a test can kill its node with -9 mid-write.
#include "runtime/node/app.hpp"
#include "tests/runtime/state/tally.hpp"

int main(int argc, char** argv) {
  return cleave::app{"cleave_state_app"}.add(state_test::tally_component()).main(argc, argv);
}
