// cleave_bench_inprocess: B1 (call by name vs raw CAF request), B2 (payload size), B8 (cost growth
// with idle components and concurrent callers), B13 (calls made with co_await vs .then), all in
// one process. Results go to stdout as JSON
// lines (bench/common/report.hpp); Google Benchmark's table goes to stderr.
//
//   cleave_bench_inprocess [--quick] [--peers DIR] [--benchmark_filter=...]
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "bench/common/report.hpp"
#include "bench/inprocess/components.hpp"
#include "bench/inprocess/driver.hpp"
#include "bench/inprocess/json_reporter.hpp"
#include "bench/inprocess/measure.hpp"
#include "bench/inprocess/messages.hpp"
#include "runtime/component/detail/directory.hpp"
#include "runtime/testkit/test_node.hpp"

namespace inproc {
namespace {

constexpr int b8_counts[] = {1, 100, 10000};
constexpr int b8_callers[] = {1, 4, 16, 64, 256};

/// A node running "echo" plus `extra` idle components, and a driver calling "echo" by name.
struct echo_node {
  std::unique_ptr<cleave::test_node> node;
  caf::actor driver;
};

std::unique_ptr<cleave::test_node> start_node(int extra, bool sequences = false) {
  std::vector<cleave::component> components{echo_component()};
  if (sequences) {
    components.push_back(sequence_then_component());
    components.push_back(sequence_coroutine_component());
  }
  for (int i = 0; i < extra; ++i) components.push_back(idle_component("idle-" + std::to_string(i)));
  // In-process calls as they are: the test kit's default encodes them as if they crossed nodes.
  cleave::test_options options;
  options.serialize = false;
  return std::make_unique<cleave::test_node>(std::move(components), options);
}

/// Everything the benchmarks call into, started once before they run.
struct fixture {
  // B1, B2: one node with "echo", and the raw CAF echo in the same actor system.
  echo_node main;
  caf::actor raw_echo;
  caf::actor raw_driver;
  // B8, by number of extra idle components.
  std::map<int, echo_node> growth;
  // B8 throughput: callers on the node with one extra component.
  std::vector<caf::actor> callers;

  /// Starts the B8 nodes, reporting the resident memory of an idle component on the way.
  void start_growth_nodes() {
    // RSS delta of the 10000-component node minus that of the 1-component node (which both
    // include an actor system), per extra component. First thing in the process, so that no
    // memory freed earlier is reused.
    auto rss0 = resident_bytes();
    growth[1].node = start_node(1);
    auto rss1 = resident_bytes();
    growth[10000].node = start_node(10000);
    auto rss2 = resident_bytes();
    double per_component = static_cast<double>((rss2 - rss1) - (rss1 - rss0)) / (10000 - 1);
    cleave_bench::report("B8", "rss_per_idle_component_bytes", "10000", per_component);
    growth[100].node = start_node(100);
    for (auto& [count, n] : growth)
      n.driver = spawn_driver(n.node->system(), call_target::by_name("echo"));
    for (int i = 0; i < 256; ++i)
      callers.push_back(spawn_driver(growth[1].node->system(), call_target::by_name("echo")));
  }

  void start_main_node() {
    main.node = start_node(0, true);
    auto& sys = main.node->system();
    main.driver = spawn_driver(sys, call_target::by_name("echo"));
    raw_echo = spawn_raw_echo(sys);
    raw_driver = spawn_driver(sys, call_target::raw_actor(raw_echo));
  }

  void stop() {
    stop_drivers(callers);
    for (auto& [count, n] : growth) stop_drivers({n.driver});
    stop_drivers({main.driver, raw_driver});
    caf::anon_send_exit(raw_echo, caf::exit_reason::user_shutdown);
    callers.clear();
    raw_echo = nullptr;
    raw_driver = nullptr;
    main = {};
    growth.clear();
  }
};

/// Registers a benchmark; iteration counts follow wall-clock time, since the measuring thread
/// mostly waits for the actors.
template <class F>
void add(const std::string& name, F fn) {
  benchmark::RegisterBenchmark(name.c_str(), std::move(fn))->UseRealTime();
}

void register_benchmarks(fixture& f) {
  const std::string small(16, 'x');
  // B1: the same driver loop, by name through cleave or straight to the CAF actor.
  std::map<std::string, caf::actor*> b1{{"cleave", &f.main.driver}, {"raw_caf", &f.raw_driver}};
  for (auto& [variant, driver] : b1)
    add("B1/" + variant + "/seq", [driver = driver, small](benchmark::State& s) {
      measure_seq_latency(s, *driver, small, "seq_latency_us");
    });
  for (auto& [variant, driver] : b1)
    add("B1/" + variant + "/throughput", [driver = driver](benchmark::State& s) {
      measure_throughput(s, {*driver}, 100, 5000, "throughput_100_per_s");
    });
  // B2: payload size.
  std::map<std::string, size_t> sizes{{"16B", 16}, {"1KiB", 1024}, {"64KiB", 64 * 1024}};
  for (const auto& variant : {"16B", "1KiB", "64KiB"})
    add(std::string{"B2/"} + variant + "/seq",
        [&f, payload = std::string(sizes.at(variant), 'x')](benchmark::State& s) {
          measure_seq_latency(s, f.main.driver, payload, "seq_latency_us");
        });
  // B13: 100 sequential calls in one handler, written with .then or with co_await.
  for (const auto& [variant, component] :
       std::map<std::string, std::string>{{"then", "seq-then"}, {"coroutine", "seq-co"}})
    add("B13/" + variant + "/seq", [&f, component = component, small](benchmark::State& s) {
      auto* node = f.main.node.get();
      measure_op(
          s,
          [node, &component, &small] {
            auto done = node->call(component, run_sequence{100, small});
            if (!done || *done != 100)
              throw std::runtime_error(
                  component + ": " +
                  (done ? std::to_string(*done) + " calls" : cleave::describe(done.error())));
          },
          "sequence_100_us");
    });
  // B8: growth with idle components.
  for (int count : b8_counts) {
    auto variant = std::to_string(count);
    add("B8/" + variant + "/call", [&f, count, small](benchmark::State& s) {
      measure_seq_latency(s, f.growth.at(count).driver, small, "call_latency_us");
    });
    // The name lookup every call makes (call.hpp: pending_call::then -> detail::resolve).
    add("B8/" + variant + "/lookup", [&f, count](benchmark::State& s) {
      auto* sys = &f.growth.at(count).node->system();
      const std::string name = "echo";
      measure_op(
          s, [sys, &name] { benchmark::DoNotOptimize(cleave::detail::resolve(*sys, name)); },
          "lookup_latency_us");
    });
  }
  for (int callers : b8_callers)
    add("B8/callers_" + std::to_string(callers) + "/throughput", [&f,
                                                                  callers](benchmark::State& s) {
      std::vector<caf::actor> drivers(f.callers.begin(), f.callers.begin() + callers);
      measure_throughput(s, drivers, 1, std::max<int64_t>(2000, 50 * callers), "throughput_per_s");
    });
}

/// Google Benchmark's arguments: ours removed, a default run length added.
std::vector<char*> benchmark_args(int argc, char** argv, bool quick, std::string& min_time) {
  std::vector<char*> out{argv[0]};
  min_time = quick ? "--benchmark_min_time=0.1" : "--benchmark_min_time=1";
  out.push_back(min_time.data());
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") continue;
    // --peers DIR: accepted for the runner's uniform command line; not needed here.
    if (a == "--peers") {
      ++i;
      continue;
    }
    if (a.rfind("--peers=", 0) == 0) continue;
    out.push_back(argv[i]);
  }
  out.push_back(nullptr);
  return out;
}

/// Ends the process if shutdown takes too long: CAF 0.17 can hang in shutdown, and the results
/// are out already. (The actor systems themselves must be destroyed on the thread that made them:
/// a CAF 0.17 actor system waits in its destructor for its logger, which the constructing thread
/// holds in a thread-local until another system is made there.)
class shutdown_watchdog {
 public:
  shutdown_watchdog()
      : thread_([this] {
          std::unique_lock<std::mutex> guard{mutex_};
          if (!done_cv_.wait_for(guard, std::chrono::seconds(20), [this] { return done_; })) {
            std::cerr << "cleave_bench_inprocess: shutdown hangs, exiting anyway\n";
            std::_Exit(3);
          }
        }) {}

  ~shutdown_watchdog() {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace
}  // namespace inproc

int main(int argc, char** argv) {
  bool quick = cleave_bench::quick_mode(argc, argv);
  std::string min_time;
  auto args = inproc::benchmark_args(argc, argv, quick, min_time);
  int bench_argc = static_cast<int>(args.size()) - 1;
  benchmark::Initialize(&bench_argc, args.data());
  if (benchmark::ReportUnrecognizedArguments(bench_argc, args.data())) return 2;
  inproc::fixture f;
  try {
    f.start_growth_nodes();
    f.start_main_node();
  } catch (const std::exception& e) {
    std::cerr << "cleave_bench_inprocess: " << e.what() << "\n";
    return 1;
  }
  inproc::register_benchmarks(f);
  inproc::json_reporter reporter;
  reporter.SetOutputStream(&std::cerr);
  reporter.SetErrorStream(&std::cerr);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  {
    inproc::shutdown_watchdog watchdog;
    f.stop();
  }
  return reporter.failed() ? 1 : 0;
}
