// The cleave tool: check a placement, run all its nodes locally, or ask them for their status.
//
//   cleave check FILE [--set PATH=VALUE]...
//   cleave up FILE [--set PATH=VALUE]... [--bin PROGRAM] [--netns PREFIX]
//   cleave nodes FILE [--set PATH=VALUE]...
//   cleave status FILE [--set PATH=VALUE]... [--timeout-ms N] [--web [--listen HOST:PORT]]
//   cleave certs FILE [--set PATH=VALUE]... [--out DIR] [--days N] [--passphrase-env VAR]
//   cleave deploy FILE --to systemd|compose|kubernetes [--out DIR] [options] (deploy_cli.hpp)
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "apps/cleave/app_binary.hpp"
#include "apps/cleave/deploy_cli.hpp"
#include "apps/cleave/status.hpp"
#include "apps/cleave/supervisor.hpp"
#include "apps/cleave/up_record.hpp"
#include "apps/cleave/web.hpp"
#include "runtime/core/error.hpp"
#include "runtime/gateway/detail/http_server.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/transport/certs.hpp"

namespace {

constexpr const char* usage =
    "usage: cleave check FILE [--set PATH=VALUE]...\n"
    "       cleave up FILE [--set PATH=VALUE]... [--bin PROGRAM] [--netns PREFIX]\n"
    "       cleave nodes FILE [--set PATH=VALUE]...\n"
    "       cleave status FILE [--set PATH=VALUE]... [--timeout-ms N] [--web [--listen "
    "HOST:PORT]]\n"
    "       cleave certs FILE [--set PATH=VALUE]... [--out DIR] [--days N] [--passphrase-env "
    "VAR]\n"
    "  check   validate the placement and print the plan (against the app binary, when found)\n"
    "  up      run every node of the placement here, one process each; Ctrl-C stops them all\n"
    "  nodes   print the placement's node names, one per line (for scripts: scripts/netlab)\n"
    "  status  ask every node whether it is reachable, what it hosts and how many calls it "
    "served\n"
    "          --web: serve a live dashboard of the cluster instead, at http://127.0.0.1:7180/\n"
    "          (--listen HOST:PORT elsewhere; port 0 = any free port)\n"
    "  certs   make the cluster's CA and a certificate for every node and for this tool, in\n"
    "          DIR (default: the placement's security.certs, else the folder nodes would make\n"
    "          on first use); what exists there is kept\n"
    "  --bin PROGRAM   the app binary (default: <app> next to this cleave binary)\n"
    "  --netns PREFIX  run each node NAME in the network namespace PREFIXNAME (ip netns exec;\n"
    "                  scripts/netlab makes them)\n"
    "  --days N        validity of new certificates (default 825)\n"
    "  --passphrase-env VAR   encrypt the new node keys with the passphrase in $VAR\n";

struct tool_args {
  std::string command;
  std::string file;
  std::vector<std::string> overrides;
  std::string bin;
  long timeout_ms = 1000;
  std::string out;
  long days = 825;
  std::string passphrase_env;
  std::string netns_prefix;
  bool web = false;
  std::string listen;
};

bool number(const std::string& text, long& out) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value <= 0) return false;
  out = value;
  return true;
}

bool parse(int argc, char** argv, tool_args& out, std::string& error) {
  if (argc < 3) {
    error = "a command and a placement file are required";
    return false;
  }
  out.command = argv[1];
  out.file = argv[2];
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    bool takes_value = arg == "--set" || arg == "--bin" || arg == "--timeout-ms" ||
                       arg == "--out" || arg == "--days" || arg == "--passphrase-env" ||
                       arg == "--netns" || arg == "--listen";
    if (arg == "--web") {
      out.web = true;
    } else if (takes_value && i + 1 < argc) {
      std::string value = argv[++i];
      if (arg == "--set")
        out.overrides.push_back(value);
      else if (arg == "--bin")
        out.bin = value;
      else if (arg == "--out")
        out.out = value;
      else if (arg == "--passphrase-env")
        out.passphrase_env = value;
      else if (arg == "--netns")
        out.netns_prefix = value;
      else if (arg == "--listen")
        out.listen = value;
      else if (!number(value, arg == "--days" ? out.days : out.timeout_ms)) {
        error = arg + " takes a positive whole number, found \"" + value + "\"";
        return false;
      }
    } else {
      error = "unknown or incomplete option \"" + arg + "\"";
      return false;
    }
  }
  if (out.command != "check" && out.command != "up" && out.command != "status" &&
      out.command != "certs" && out.command != "nodes") {
    error = "unknown command \"" + out.command + "\"";
    return false;
  }
  if ((out.web || !out.listen.empty()) && out.command != "status") {
    error = "--web and --listen are options of cleave status";
    return false;
  }
  if (!out.listen.empty() && !out.web) {
    error = "--listen needs --web";
    return false;
  }
  return true;
}

constexpr const char* program_dirs = "/usr/sbin:/sbin:/usr/bin:/bin";

/// The path of `name` in program_dirs, or "" (the supervisor spawns a path, not a name).
std::string find_program(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    auto path = std::string{dir} + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

std::vector<std::string> with_overrides(std::vector<std::string> argv,
                                        const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    argv.emplace_back("--set");
    argv.push_back(o);
  }
  return argv;
}

/// cleave certs: the CA (unless the folder has one) and what certificates are missing.
int make_certs(const cleave::placement& plan, const tool_args& args) {
  namespace transport = cleave::transport;
  auto dir = args.out.empty() ? plan.certs_dir() : args.out;
  transport::cert_options opts;
  opts.not_after = std::chrono::hours(24 * args.days);
  if (!args.passphrase_env.empty()) {
    const char* pass = std::getenv(args.passphrase_env.c_str());
    if (pass == nullptr || *pass == '\0') {
      std::cerr << "cleave: --passphrase-env: " << args.passphrase_env << " is not set\n";
      return 2;
    }
    opts.passphrase = pass;
  }
  struct stat st {};
  if (::stat(transport::ca_cert_file(dir).c_str(), &st) != 0) {
    // The CA's key signs every certificate: it stays where certificates are made, not on nodes.
    transport::cert_options ca_opts;
    ca_opts.not_after = opts.not_after;
    if (auto err = transport::make_ca(dir, plan.app, ca_opts)) {
      std::cerr << "cleave: " << cleave::describe(err) << "\n";
      return 1;
    }
    std::cout << "made CA " << transport::ca_cert_file(dir) << " (key " << dir << "/ca.key)\n";
  }
  std::vector<std::string> identities{transport::tool_identity};
  for (const auto& kv : plan.nodes) identities.push_back(kv.first);
  for (const auto& id : identities) {
    auto files = transport::files_of(dir, id);
    if (::stat(files.cert.c_str(), &st) == 0) {
      std::cout << "kept " << files.cert << "\n";
      continue;
    }
    if (auto err = transport::make_identity(dir, id, opts)) {
      std::cerr << "cleave: " << cleave::describe(err) << "\n";
      return 1;
    }
    std::cout << "made " << files.cert << " and " << files.key << "\n";
  }
  std::cout << "each node needs ca.pem and its own nodes/NAME.pem and .key; keep ca.key off the "
               "nodes.\nplacement: \"security\": {\"certs\": \""
            << dir << "\""
            << (args.passphrase_env.empty()
                    ? ""
                    : ", \"key_passphrase_env\": \"" + args.passphrase_env + "\"")
            << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tool_args args;
  std::string error;
  if (argc >= 2 && (std::string{argv[1]} == "--help" || std::string{argv[1]} == "-h")) {
    std::cout << usage << cleave::tool::deploy_usage;
    return 0;
  }
  if (argc >= 2 && std::string{argv[1]} == "deploy") return cleave::tool::deploy_main(argc, argv);
  if (!parse(argc, argv, args, error)) {
    std::cerr << "cleave: " << error << "\n" << usage << cleave::tool::deploy_usage;
    return 2;
  }
  cleave::placement_options opts;
  opts.overrides = args.overrides;
  auto plan = cleave::load_placement(args.file, opts);
  if (!plan) {
    std::cerr << "cleave: " << cleave::what(plan.error()) << std::endl;
    return 2;
  }
  auto bin = cleave::tool::app_binary(args.bin, plan->app);
  bool have_bin = ::access(bin.c_str(), X_OK) == 0;
  if (args.command == "check") {
    if (!have_bin) {
      std::cout << cleave::plan_text(*plan) << "(not checked against the app: " << bin
                << " not found)\n";
      return 0;
    }
    // The app knows its components: let it validate the placement against them.
    auto cmd = with_overrides({bin, "--placement", args.file, "--check"}, args.overrides);
    std::vector<char*> cargv;
    cargv.reserve(cmd.size() + 1);
    for (auto& a : cmd) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(bin.c_str(), cargv.data());
    std::cerr << "cleave: cannot run " << bin << ": " << std::strerror(errno) << std::endl;
    return 1;
  }
  if (args.command == "status" && args.web) {
    cleave::tool::web_options web;
    web.timeout = std::chrono::milliseconds(args.timeout_ms);
    if (!args.listen.empty() && !cleave::detail::parse_listen(args.listen, web.host, web.port)) {
      std::cerr << "cleave: --listen: expected HOST:PORT, found \"" << args.listen << "\"\n";
      return 2;
    }
    return cleave::tool::serve_dashboard(*plan, web);
  }
  if (args.command == "status")
    return cleave::tool::print_status(*plan, std::chrono::milliseconds(args.timeout_ms));
  if (args.command == "certs") return make_certs(*plan, args);
  if (args.command == "nodes") {
    for (const auto& [name, node] : plan->nodes) std::cout << name << "\n";
    return 0;
  }
  if (!have_bin) {
    std::cerr << "cleave: cannot run app \"" << plan->app << "\": " << bin
              << " not found or not executable (use --bin)" << std::endl;
    return 1;
  }
  std::vector<cleave::tool::node_command> nodes;
  std::string ip;
  if (!args.netns_prefix.empty()) {
    ip = find_program("ip");
    if (ip.empty()) {
      std::cerr << "cleave: --netns needs the ip command (iproute2), found in none of "
                << program_dirs << std::endl;
      return 1;
    }
  }
  for (const auto& [name, node] : plan->nodes) {
    auto cmd = with_overrides({bin, "--placement", args.file, "--node", name}, args.overrides);
    // ip execs the node's program in the namespace: the supervisor's signals reach the node.
    if (!ip.empty()) cmd.insert(cmd.begin(), {ip, "netns", "exec", args.netns_prefix + name});
    nodes.push_back({name, std::move(cmd), node.host + ":" + std::to_string(node.port)});
  }
  cleave::tool::supervisor_options options;
  options.restart = plan->defaults.restart;
  options.record_file = cleave::tool::up_record_file(args.file);
  return cleave::tool::supervise(nodes, options);
}
