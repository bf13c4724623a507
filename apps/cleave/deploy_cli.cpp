#include "apps/cleave/deploy_cli.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "apps/cleave/app_binary.hpp"
#include "apps/cleave/deploy.hpp"
#include "runtime/core/error.hpp"

namespace cleave::tool {

const char* const deploy_usage =
    "\n       cleave deploy FILE --to systemd|compose|kubernetes [--set PATH=VALUE]... [--out "
    "DIR]\n"
    "                     [--bin PROGRAM] [--bin-dir DIR] [--config-dir DIR] [--state-dir DIR]\n"
    "                     [--image NAME] [--admin-port N] [--replicas NODE=N]...\n"
    "  deploy  write what an orchestrator runs (docs/deploy.md) into DIR (default:\n"
    "          deploy/<target> here): systemd units; a Compose file; Kubernetes objects;\n"
    "          with a Dockerfile and the app binary (--bin) for Compose and Kubernetes\n"
    "  --bin-dir DIR     systemd: where the app binary is installed (default /usr/local/bin)\n"
    "  --config-dir DIR  systemd: where the placement, env file and certs go (default\n"
    "                    /etc/cleave/<app>)\n"
    "  --state-dir DIR   systemd: the folder of the state files (default /var/lib/cleave-<app>)\n"
    "  --image NAME      compose, kubernetes: the image (default cleave-<app>:latest)\n"
    "  --admin-port N    compose, kubernetes: admin port of nodes without one (default 9901)\n"
    "  --replicas NODE=N kubernetes: N pods of NODE, each an instance in the placement's\n"
    "                    registry (only for nodes without keyed or stateful components)\n";

namespace {

namespace fs = std::filesystem;

int usage_error(const std::string& text) {
  std::cerr << "cleave: deploy: " << text << "\nusage: cleave deploy FILE --to "
            << "systemd|compose|kubernetes [options] (cleave --help)\n";
  return 2;
}

/// Copies the app binary and the modules beside it into DIR/bin, the Dockerfile's context.
bool copy_binaries(const deploy_plan& plan, const deploy_options& opts, const fs::path& dir) {
  fs::path bin = app_binary(opts.bin, plan.plan.app);
  std::error_code ec;
  fs::create_directories(dir / "bin", ec);
  bool all = !ec;
  for (const auto& from :
       {bin, bin.parent_path() / "libcleave_tls.so", bin.parent_path() / "libcleave_nats.so"}) {
    auto to = dir / "bin" / (from == bin ? fs::path{plan.plan.app} : from.filename());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      std::cerr << "cleave: deploy: note: cannot copy " << from.string() << " to " << to.string()
                << " (" << ec.message() << "): put it there before docker build (--bin PROGRAM)\n";
      all = false;
    }
  }
  return all;
}

}  // namespace

int deploy_main(int argc, char** argv) {
  if (argc < 3) return usage_error("a placement file is required");
  deploy_options opts;
  opts.file = argv[2];
  std::string out;
  bool have_target = false;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage_error("unknown or incomplete option \"" + arg + "\"");
    std::string value = argv[++i];
    if (arg == "--to") {
      if (value == "systemd")
        opts.target = deploy_target::systemd;
      else if (value == "compose")
        opts.target = deploy_target::compose;
      else if (value == "kubernetes")
        opts.target = deploy_target::kubernetes;
      else
        return usage_error("--to: found \"" + value +
                           "\", expected systemd, compose or kubernetes");
      have_target = true;
    } else if (arg == "--set") {
      opts.overrides.push_back(value);
    } else if (arg == "--out") {
      out = value;
    } else if (arg == "--bin") {
      opts.bin = value;
    } else if (arg == "--bin-dir") {
      opts.bin_dir = value;
    } else if (arg == "--config-dir") {
      opts.config_dir = value;
    } else if (arg == "--state-dir") {
      opts.state_dir = value;
    } else if (arg == "--image") {
      opts.image = value;
    } else if (arg == "--admin-port") {
      char* end = nullptr;
      errno = 0;
      long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || errno != 0 || port < 1 || port > 65535)
        return usage_error("--admin-port: found \"" + value + "\", expected a port (1..65535)");
      opts.admin_port = static_cast<uint16_t>(port);
    } else if (arg == "--replicas") {
      auto eq = value.find('=');
      char* end = nullptr;
      long count = eq == std::string::npos ? 0 : std::strtol(value.c_str() + eq + 1, &end, 10);
      if (eq == std::string::npos || eq == 0 || end == value.c_str() + eq + 1 || *end != '\0')
        return usage_error("--replicas: found \"" + value + "\", expected NODE=N (e.g. store=3)");
      opts.replicas[value.substr(0, eq)] = static_cast<int>(std::min(count, 1'000'000L));
    } else {
      return usage_error("unknown option \"" + arg + "\"");
    }
  }
  if (!have_target) return usage_error("--to systemd|compose|kubernetes is required");
  auto plan = make_deploy_plan(opts);
  if (!plan) {
    std::cerr << "cleave: " << what(plan.error()) << std::endl;
    return 2;
  }
  if (out.empty()) out = "deploy/" + std::string{to_string(opts.target)};
  auto files = write_deploy_files(*plan, opts, out);
  if (!files) {
    std::cerr << "cleave: " << what(files.error()) << std::endl;
    return 1;
  }
  for (const auto& f : *files) std::cout << "wrote " << f << "\n";
  if (opts.target != deploy_target::systemd && copy_binaries(*plan, opts, out))
    std::cout << "copied " << plan->plan.app << ", libcleave_tls.so and libcleave_nats.so to "
              << out << "/bin\n";
  for (const auto& note : plan->notes) std::cerr << "cleave: deploy: note: " << note << "\n";
  if (plan->tls)
    std::cout << "certificates: cleave certs " << out << "/placement.json --out " << out
              << "/certs (docs/deploy.md)\n";
  return 0;
}

}  // namespace cleave::tool
