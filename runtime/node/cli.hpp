// The command line of an app binary: `<app> --placement FILE [--node NAME] [--set PATH=VALUE]...`
#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace cleave {

struct node_args {
  /// --placement FILE (required unless --help or --components).
  std::string placement_file;
  /// --node NAME; may be left out when the placement has one node.
  std::string node;
  /// Each --set PATH=VALUE, in order.
  std::vector<std::string> overrides;
  /// --help or -h.
  bool help = false;
  /// --check: validate the placement against the app, print the plan, start nothing.
  bool check = false;
  /// --components: print the app's component names, one a line (for tools and the test kit).
  bool list_components = false;
};

/// Parses `argv`; an unknown or incomplete option is an errc::invalid_argument error.
caf::expected<node_args> parse_node_args(int argc, const char* const* argv);

/// The usage text of app `app`.
std::string node_usage(const std::string& app);

}  // namespace cleave
