// cleave_bench_remote: remote calls side by side, in one run (B3, B4, B9, remote part of B8).
//
//   cleave_bench_remote [--quick] [--peers DIR] [--server PATH] [--set PATH=VALUE]...
//                       [--variant-suffix S]
//
// Writes a two-node placement of the bench_remote app (node "server": components echo and raw;
// node "client": none) at free ports, starts cleave_bench_remote_server (next to this program,
// or --server) as node "server", and runs node "client" in-process (cleave::test_node). Every
// --set goes to both nodes. Then:
//
//   B3  seq_rtt_us, throughput_100_per_s: cleave call by name vs raw CAF request to the server's
//       published actor, both from event-based caller actors in this process's actor system
//   B4  p50_us_16B, p50_us_1KiB, throughput_64_per_s_16B/_1KiB: cleave vs the peers' HTTP/JSON
//       keep-alive client and server (poco_http, go_http; skipped without --peers)
//   B9  seq_rtt_us: cleave vs raw_tcp (blocking sockets); idle_cpu_percent of the server after
//       the traffic
//   B8  remote_throughput_per_s with 1..256 caller actors
//
// Results are JSON lines on stdout (bench/common/report.hpp); progress goes to stderr.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "bench/common/own_directory.hpp"
#include "bench/common/report.hpp"
#include "bench/remote/bench_components.hpp"
#include "bench/remote/child_guard.hpp"
#include "bench/remote/suite.hpp"
#include "runtime/core/error.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"

namespace {

using namespace std::chrono_literals;
using namespace bench_remote;

struct options {
  bool quick = false;
  std::string peers;
  std::string server;
  std::vector<std::string> sets;
};

options parse(int argc, char** argv) {
  options o;
  o.server = cleave_bench::own_directory() + "/cleave_bench_remote_server";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quick")
      o.quick = true;
    else if (a == "--peers")
      o.peers = value();
    else if (a == "--server")
      o.server = value();
    else if (a == "--set")
      o.sets.push_back(value());
    else if (a == "--variant-suffix")
      cleave_bench::variant_suffix() = value();
    else
      throw std::invalid_argument("unknown argument " + a);
  }
  return o;
}

using cleave_test::temp_dir;

std::string placement_text(const std::vector<uint16_t>& ports) {
  return std::string{R"({
  "app": ")"} +
         app_name + R"(",
  "nodes": {
    "client": { "host": "127.0.0.1", "port": )" +
         std::to_string(ports[0]) + R"( },
    "server": { "host": "127.0.0.1", "port": )" +
         std::to_string(ports[1]) + R"( }
  },
  "components": {
    "echo": { "node": "server" },
    "raw": { "node": "server", "config": { "caf_port": )" +
         std::to_string(ports[2]) + R"(, "tcp_port": )" + std::to_string(ports[3]) + R"( } }
  }
}
)";
}

/// The raw CAF reference's handle: a plain connect to the port the server published it on
/// (bounded, unlike middleman().remote_actor(), which waits for ever on a frozen peer).
caf::actor connect_raw(caf::actor_system& sys, uint16_t port) {
  caf::scoped_actor self{sys};
  caf::actor out;
  std::string failure;
  self->request(sys.middleman().actor_handle(), std::chrono::seconds(5), caf::connect_atom::value,
                std::string{"127.0.0.1"}, port)
      .receive([&](const caf::node_id&, caf::strong_actor_ptr& p,
                   const std::set<std::string>&) { out = caf::actor_cast<caf::actor>(p); },
               [&](caf::error& err) { failure = cleave::describe(err); });
  if (!out) throw std::runtime_error("cannot reach the raw CAF actor: " + failure);
  return out;
}

/// The server node, started on a placement written to `dir`.
struct server_node {
  cleave::placement plan;
  std::unique_ptr<cleave_test::process> process;
  std::unique_ptr<child_guard> guard;
};

/// Starts the server node; a few attempts, each with fresh ports, since another program may take
/// a port between free_port() and the server's bind.
std::optional<server_node> start_server(const options& opts, const temp_dir& dir) {
  for (int attempt = 1;; ++attempt) {
    auto file = dir.write("placement.json", placement_text(cleave_test::free_ports(4)));
    remove_on_signal(file, dir.path());
    cleave::placement_options popts;
    popts.overrides = opts.sets;
    popts.app = app_name;
    for (const auto& c : app_components()) popts.known_components.push_back(c.name());
    auto plan = cleave::load_placement(file, popts);
    if (!plan) throw std::invalid_argument(cleave::describe(plan.error()));
    std::vector<std::string> argv{opts.server, "--placement", file, "--node", "server"};
    for (const auto& s : opts.sets) argv.insert(argv.end(), {"--set", s});
    server_node out{std::move(*plan), std::make_unique<cleave_test::process>(argv), nullptr};
    out.guard = std::make_unique<child_guard>(out.process->pid());
    if (out.process->wait_for_error_output(R"("msg":"listening")", 20s)) return out;
    std::cerr << "the server did not start (attempt " << attempt << ")\n"
              << out.process->report() << std::endl;
    if (attempt == 3 || out.process->running()) return std::nullopt;
  }
}

int run(const options& opts) {
  temp_dir dir;
  auto server = start_server(opts, dir);
  if (!server) return 1;
  auto& process = *server->process;
  int code = 0;
  {
    cleave::test_node client{app_components(), server->plan, "client"};
    // The first call connects; the benchmark measures the calls after that.
    auto bound = client.call("raw", get_raw_ports{}, std::chrono::seconds(5));
    if (!bound) {
      std::cerr << "raw: " << cleave::describe(bound.error()) << std::endl;
      return 1;
    }
    auto raw = connect_raw(client.system(), static_cast<uint16_t>(bound->caf_port));
    suite_target target{client, process, std::move(raw), static_cast<uint16_t>(bound->tcp_port),
                        server->plan.defaults.timeout};
    code = run_suite(target, opts.quick, opts.peers);
  }
  process.signal(SIGTERM);
  auto exit_code = process.wait(20s);
  if (!exit_code || *exit_code != 0) {
    std::cerr << "the server did not stop cleanly\n" << process.report() << std::endl;
    code = 1;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  kill_children_on_signal();
  try {
    return run(parse(argc, argv));
  } catch (const std::invalid_argument& e) {
    std::cerr << "cleave_bench_remote: " << e.what()
              << "\nusage: cleave_bench_remote [--quick] [--peers DIR] [--server PATH] "
                 "[--set PATH=VALUE]..."
              << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cleave_bench_remote: " << e.what() << std::endl;
    return 1;
  }
}
