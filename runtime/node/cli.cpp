#include "runtime/node/cli.hpp"

#include <string_view>

#include "runtime/core/error.hpp"

namespace cleave {

caf::expected<node_args> parse_node_args(int argc, const char* const* argv) {
  node_args out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg == "--check") {
      out.check = true;
      continue;
    }
    if (arg == "--components") {
      out.list_components = true;
      continue;
    }
    std::string_view value;
    auto eq = arg.find('=');
    std::string_view key = arg.substr(0, eq);
    if (key != "--placement" && key != "--node" && key != "--set")
      return make_error(errc::invalid_argument, "unknown option \"" + std::string{arg} + "\"");
    if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return make_error(errc::invalid_argument, std::string{key} + " needs a value");
    }
    if (key == "--placement")
      out.placement_file = value;
    else if (key == "--node")
      out.node = value;
    else
      out.overrides.emplace_back(value);
  }
  if (!out.help && !out.list_components && out.placement_file.empty())
    return make_error(errc::invalid_argument, "--placement FILE is required");
  return out;
}

std::string node_usage(const std::string& app) {
  return "usage: " + app +
         " --placement FILE [--node NAME] [--set PATH=VALUE]... [--check]\n"
         "       " +
         app +
         " --components\n"
         "  --placement FILE   placement file (JSON) saying which node runs which component\n"
         "  --node NAME        the node to run (may be left out if the placement has one node)\n"
         "  --set PATH=VALUE   override a placement field, e.g. --set defaults.timeout_ms=500\n"
         "  --check            validate the placement against this app, print the plan, exit\n"
         "  --components       print the names of this app's components, one a line, exit\n";
}

}  // namespace cleave
