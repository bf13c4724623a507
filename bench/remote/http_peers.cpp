#include "bench/remote/http_peers.hpp"

#include <signal.h>

#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "bench/remote/child_guard.hpp"
#include "runtime/testkit/detail/process.hpp"

namespace bench_remote {

namespace {

using namespace std::chrono_literals;

std::string seconds_text(std::chrono::milliseconds ms) {
  return std::to_string(static_cast<double>(ms.count()) / 1000.0);
}

/// The key=value pairs of the client's summary line.
std::map<std::string, std::string> summary(const std::string& output) {
  std::map<std::string, std::string> out;
  std::istringstream words{output};
  for (std::string w; words >> w;)
    if (auto eq = w.find('='); eq != std::string::npos) out[w.substr(0, eq)] = w.substr(eq + 1);
  return out;
}

std::optional<http_result> run_client(const http_peer& peer, unsigned port, const http_load& load,
                                      std::chrono::milliseconds warmup,
                                      std::chrono::milliseconds measure) {
  auto argv = peer.client_args(port, load.callers, load.payload, warmup, measure);
  argv.insert(argv.begin(), peer.client);
  cleave_test::process client{argv};
  child_guard guard{client.pid()};
  auto code = client.wait(warmup + measure + 15s);
  auto fields = summary(client.output());
  if (!code || *code != 0 || fields.count("rps") == 0 || fields.count("p50_us") == 0) {
    std::cerr << peer.variant << ": client failed\n" << client.report() << std::endl;
    return std::nullopt;
  }
  http_result r;
  r.calls_per_s = std::stod(fields["rps"]);
  r.p50_us = std::stod(fields["p50_us"]);
  r.errors = fields.count("errors") ? std::stol(fields["errors"]) : 0;
  if (r.errors > 0)
    std::cerr << peer.variant << ": " << r.errors << " failed calls: " << client.output();
  return r;
}

}  // namespace

http_peer poco_peer(const std::string& peers_dir) {
  http_peer p;
  p.variant = "poco_http";
  p.server = peers_dir + "/poco_server";
  p.client = peers_dir + "/poco_client";
  p.server_args = [](unsigned port) -> std::vector<std::string> {
    return {"--port", std::to_string(port), "--threads", "320",       "--pool-min",
            "16",     "--max-queued",       "1024",      "--backlog", "1024"};
  };
  p.client_args = [](unsigned port, int callers, size_t payload, std::chrono::milliseconds warmup,
                     std::chrono::milliseconds measure) -> std::vector<std::string> {
    return {"--port",    std::to_string(port),    "-c", std::to_string(callers),
            "--payload", std::to_string(payload), "-d", seconds_text(measure),
            "--warmup",  seconds_text(warmup)};
  };
  return p;
}

http_peer go_peer(const std::string& peers_dir) {
  http_peer p;
  p.variant = "go_http";
  p.server = peers_dir + "/nethttp-baseline";
  p.client = peers_dir + "/httpcall";
  p.server_args = [](unsigned port) -> std::vector<std::string> {
    return {"-listen", "127.0.0.1:" + std::to_string(port)};
  };
  p.client_args = [](unsigned port, int callers, size_t payload, std::chrono::milliseconds warmup,
                     std::chrono::milliseconds measure) -> std::vector<std::string> {
    return {"-url",     "http://127.0.0.1:" + std::to_string(port) + "/echo",
            "-c",       std::to_string(callers),
            "-payload", std::to_string(payload),
            "-d",       std::to_string(measure.count()) + "ms",
            "-warmup",  std::to_string(warmup.count()) + "ms"};
  };
  return p;
}

bool available(const http_peer& peer) {
  return ::access(peer.server.c_str(), X_OK) == 0 && ::access(peer.client.c_str(), X_OK) == 0;
}

std::vector<std::optional<http_result>> run_http_peer(const http_peer& peer,
                                                      const std::vector<http_load>& loads,
                                                      std::chrono::milliseconds warmup,
                                                      std::chrono::milliseconds measure) {
  auto port = cleave_test::free_port();
  auto argv = peer.server_args(port);
  argv.insert(argv.begin(), peer.server);
  cleave_test::process server{argv};
  child_guard guard{server.pid()};
  if (!server.wait_accepting(port, cleave_test::process::clock::now() + 10s))
    throw std::runtime_error(peer.variant + ": the server did not start\n" + server.report());
  std::vector<std::optional<http_result>> out;
  for (const auto& load : loads) out.push_back(run_client(peer, port, load, warmup, measure));
  server.signal(SIGTERM);
  if (!server.wait(5s)) std::cerr << peer.variant << ": server still running after SIGTERM\n";
  return out;  // the destructor kills a server that did not stop
}

}  // namespace bench_remote
