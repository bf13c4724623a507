// cleave_bench: runs every benchmark of bench/README.md, repeats each, prints a table of medians
// and min-max with the ratio against each reference measured in the same run, and writes every
// figure to a JSON file. Exit code 1 if a benchmark failed to run (the figures themselves are
// judged in the table, not by the exit code).
//
//   cleave_bench --source DIR --peers DIR --out FILE [--quick] [--reps N]
//                [--only inprocess,remote,replicas,chain,shop,http,coldstart] [--commit SHA]
//   cleave_bench --source DIR --no-peers --out FILE ...   the same without the peer services
//                (B6 measures cleave alone, B7 needs the peers' coldstart and is skipped)
//   cleave_bench --validate FILE     checks that FILE is such a report, with figures and no errors
#include <sys/utsname.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bench/runner/http_bench.hpp"
#include "bench/runner/results.hpp"
#include "bench/runner/targets.hpp"
#include "runtime/testkit/detail/process.hpp"

namespace {

using namespace std::chrono_literals;
using namespace cleave_bench;

struct options {
  environment env;
  std::string out;
  std::string commit;
  std::set<std::string> only;
  /// Run without the peer services (smoke runs where ../shared/peers is missing).
  bool no_peers = false;
  bool wants(const std::string& part) const { return only.empty() || only.count(part) > 0; }
};

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_line_with(const std::string& text, const std::string& prefix) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) {
      auto colon = line.find(':');
      auto value = colon == std::string::npos ? line : line.substr(colon + 1);
      return value.substr(
          value.find_first_not_of(" \t") == std::string::npos ? 0 : value.find_first_not_of(" \t"));
    }
  return "";
}

boost::json::object machine() {
  utsname u{};
  uname(&u);
  auto cpuinfo = read_file("/proc/cpuinfo");
  auto meminfo = read_file("/proc/meminfo");
  return {{"cpus", std::thread::hardware_concurrency()},
          {"cpu_model", first_line_with(cpuinfo, "model name")},
          {"memory", first_line_with(meminfo, "MemTotal")},
          {"kernel", std::string{u.sysname} + " " + u.release}};
}

std::string now_utc() {
  auto t = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return text;
}

bool parse_args(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--quick") {
      o.env.quick = true;
    } else if (a == "--reps") {
      o.env.repetitions = std::stoi(value());
    } else if (a == "--source") {
      o.env.source_dir = value();
    } else if (a == "--peers") {
      o.env.peers_dir = value();
    } else if (a == "--no-peers") {
      o.no_peers = true;
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--commit") {
      o.commit = value();
    } else if (a == "--only") {
      std::istringstream parts{value()};
      std::string part;
      while (std::getline(parts, part, ',')) o.only.insert(part);
    } else {
      std::cerr << "cleave_bench: unknown argument " << a << "\n";
      return false;
    }
  }
  if (o.env.source_dir.empty() || o.out.empty() || (!o.no_peers && o.env.peers_dir.empty())) {
    std::cerr << "cleave_bench: --source, --out and --peers (or --no-peers) are required\n";
    return false;
  }
  if (o.no_peers) o.env.peers_dir.clear();
  return o.env.repetitions > 0;
}

/// Runs `program` (in the bench's bin/) `reps` times and adds what it reports.
void run_program(environment& env, results& r, const std::string& program,
                 const std::vector<std::string>& extra = {}) {
  auto deadline = env.quick ? 60s : 180s;
  for (int rep = 0; rep < env.repetitions; ++rep) {
    std::cerr << program << " (" << rep + 1 << "/" << env.repetitions << ")" << std::endl;
    std::vector<std::string> argv{env.bin_dir + "/" + program};
    if (!env.peers_dir.empty()) {
      argv.push_back("--peers");
      argv.push_back(env.peers_dir);
    }
    if (env.quick) argv.push_back("--quick");
    argv.insert(argv.end(), extra.begin(), extra.end());
    try {
      cleave_test::process p{argv};
      auto code = p.wait(deadline);
      if (!code) p.signal(SIGKILL);
      auto found = r.add_lines(p.output());
      if (!code || *code != 0 || found == 0) {
        env.errors.push_back(program + " failed (exit " +
                             (code ? std::to_string(*code) : std::string{"timeout"}) + ", " +
                             std::to_string(found) + " results)\n" + p.report());
        return;
      }
    } catch (const std::exception& e) {
      env.errors.push_back(program + ": " + e.what());
      return;
    }
  }
}

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, x >= 100 ? "%.0f" : "%.3g", x);
  return text;
}

void print_table(const results& r, const std::vector<verdict>& verdicts, int reps) {
  std::printf("\n%-4s %-30s %-18s %12s  %-25s\n", "id", "metric", "variant", "median",
              ("min-max over " + std::to_string(reps)).c_str());
  for (const auto& [key, values] : r.all()) {
    auto s = summarize(values);
    std::printf("%-4s %-30s %-18s %12s  %s-%s\n", key.bench.c_str(), key.metric.c_str(),
                key.variant.c_str(), number(s.median).c_str(), number(s.min).c_str(),
                number(s.max).c_str());
  }
  std::printf("\n%-4s %-62s %10s %10s  %s\n", "id", "target", "figure", "bound", "verdict");
  for (const auto& v : verdicts) {
    std::string verdict_text = !v.figure ? "no figure" : !v.met ? "-" : *v.met ? "met" : "MISSED";
    std::printf("%-4s %-62s %10s %10s  %s\n", v.t->id.c_str(), v.t->what.c_str(),
                v.figure ? (number(*v.figure) + (is_value(*v.t) ? "" : "x")).c_str() : "-",
                bound_text(*v.t).c_str(), verdict_text.c_str());
  }
}

boost::json::object to_json(const options& o, const results& r,
                            const std::vector<verdict>& verdicts, const std::string& started,
                            const std::string& loadavg_at_start, double seconds) {
  boost::json::array figures;
  for (const auto& [key, values] : r.all()) {
    auto s = summarize(values);
    boost::json::array raw;
    for (double v : values) raw.push_back(v);
    figures.push_back({{"bench", key.bench},
                       {"metric", key.metric},
                       {"variant", key.variant},
                       {"median", s.median},
                       {"min", s.min},
                       {"max", s.max},
                       {"count", s.count},
                       {"values", std::move(raw)}});
  }
  boost::json::array errors;
  for (const auto& e : o.env.errors) errors.push_back(boost::json::string(e));
  auto m = machine();
  m["loadavg_at_start"] = loadavg_at_start;
  m["loadavg_at_end"] = read_file("/proc/loadavg");
  return {{"started", started},
          {"duration_s", seconds},
          {"commit", o.commit},
          {"quick", o.env.quick},
          {"repetitions", o.env.repetitions},
          {"machine", std::move(m)},
          {"results", std::move(figures)},
          {"targets", verdicts_json(verdicts)},
          {"errors", std::move(errors)}};
}

/// 0 if `path` holds a report of a run that measured something and failed nowhere.
int validate(const std::string& path) {
  boost::system::error_code ec;
  auto v = boost::json::parse(read_file(path), ec);
  std::string problem;
  if (ec) {
    problem = "not JSON: " + ec.message();
  } else if (!v.is_object()) {
    problem = "not a JSON object";
  } else {
    const auto& o = v.get_object();
    for (const char* key : {"started", "commit", "machine", "results", "targets", "errors"})
      if (!o.contains(key)) problem = std::string{"no \""} + key + "\"";
    if (problem.empty() && (!o.at("results").is_array() || o.at("results").get_array().empty()))
      problem = "no results";
    if (problem.empty() && (!o.at("errors").is_array() || !o.at("errors").get_array().empty()))
      problem = "errors: " + boost::json::serialize(o.at("errors"));
  }
  if (!problem.empty()) {
    std::cerr << "cleave_bench: " << path << ": " << problem << "\n";
    return 1;
  }
  std::cout << "cleave_bench: " << path << " is a valid report\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string{argv[1]} == "--validate") return validate(argv[2]);
  options o;
  try {
    if (!parse_args(argc, argv, o)) return 2;
  } catch (const std::exception& e) {
    std::cerr << "cleave_bench: " << e.what() << "\n";
    return 2;
  }
  std::string self = argv[0];
  o.env.bin_dir = self.substr(0, self.rfind('/'));
  auto started = now_utc();
  auto loadavg_at_start = read_file("/proc/loadavg");
  auto t0 = std::chrono::steady_clock::now();
  results r;
  if (o.wants("inprocess")) run_program(o.env, r, "cleave_bench_inprocess");
  if (o.wants("remote")) {
    run_program(o.env, r, "cleave_bench_remote");
    // The same with plain connections between the nodes, beside it: what mutual TLS costs.
    run_program(o.env, r, "cleave_bench_remote",
                {"--set", "security.insecure=true", "--variant-suffix", "_plain"});
  }
  if (o.wants("replicas")) run_program(o.env, r, "cleave_bench_replicas");
  if (o.wants("chain")) run_program(o.env, r, "cleave_bench_chain");
  if (o.wants("shop")) run_program(o.env, r, "cleave_bench_shop", {"--source", o.env.source_dir});
  if (o.wants("http")) run_http_throughput(o.env, r);
  if (o.wants("coldstart") && !o.no_peers) run_cold_start(o.env, r);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto verdicts = judge(r);
  print_table(r, verdicts, o.env.repetitions);
  std::ofstream out{o.out};
  out << boost::json::serialize(to_json(o, r, verdicts, started, loadavg_at_start, seconds))
      << "\n";
  if (!out) {
    std::cerr << "cleave_bench: cannot write " << o.out << "\n";
    return 1;
  }
  std::printf("\nwrote %s (%.0f s)\n", o.out.c_str(), seconds);
  for (const auto& e : o.env.errors) std::cerr << "cleave_bench: " << e << "\n";
  return o.env.errors.empty() ? 0 : 1;
}
