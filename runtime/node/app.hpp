// An app: the components of one program, and the main function that runs one node of it.
//
//   int main(int argc, char** argv) {
//     return cleave::app{"banano"}
//         .add(thingey::store_component())
//         .add(thingey::repo_component())
//         .add(banano::driver_component())
//         .main(argc, argv);
//   }
//
// `main` reads `--placement FILE [--node NAME] [--set PATH=VALUE]...`, refuses a bad placement
// before anything starts (exit code 2, the reason on stderr), starts the node's components and
// then either runs the node's drivers and exits (0 if they succeeded, else 1) or, with no driver,
// serves until SIGINT/SIGTERM and exits 0. Shutdown is bounded: a node that cannot stop within
// 30 s (edges drain first) says so and exits 1.
#pragma once

#include <string>
#include <vector>

#include "runtime/component/component.hpp"

namespace cleave {

class app {
 public:
  explicit app(std::string name) : name_(std::move(name)) {}

  /// Adds a component; its name must be unique within the app.
  app& add(component c) {
    components_.push_back(std::move(c));
    return *this;
  }

  /// The app's name; placements for it must say `"app": "<name>"`.
  const std::string& name() const { return name_; }

  const std::vector<component>& components() const { return components_; }

  /// Runs one node of the app as the command line says; returns the process exit code.
  int main(int argc, const char* const* argv) const;

 private:
  std::string name_;
  std::vector<component> components_;
};

}  // namespace cleave
