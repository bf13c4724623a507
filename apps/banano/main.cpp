// Banano: a thingey repository run as a monolith or split along the repository -> store boundary.
#include "actors/thingey/thingey.hpp"
#include "apps/banano/driver.hpp"
#include "runtime/node/app.hpp"

int main(int argc, char** argv) {
  return cleave::app{"banano"}
      .add(thingey::store_component())
      .add(thingey::repo_component())
      .add(thingey::audit_component())
      .add(banano::driver_component())
      .main(argc, argv);
}
