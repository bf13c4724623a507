#include "bench/remote/suite.hpp"

#include <chrono>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "bench/common/report.hpp"
#include "bench/remote/caller_load.hpp"
#include "bench/remote/http_peers.hpp"
#include "bench/remote/stats.hpp"
#include "bench/remote/tcp_pingpong.hpp"

namespace bench_remote {

namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

/// Durations of one run: full, or --quick for the CI smoke test.
struct timing {
  ms warmup;
  ms measure;
  ms idle;
};

timing timing_for(bool quick) {
  if (quick) return {100ms, 300ms, 1000ms};
  return {300ms, 1500ms, 5000ms};
}

/// Runs one measurement, logging it; an exception fails the section, not the program.
class sections {
 public:
  void run(const std::string& name, const std::function<void()>& f) {
    std::cerr << "-- " << name << std::endl;
    try {
      f();
    } catch (const std::exception& e) {
      std::cerr << name << " failed: " << e.what() << std::endl;
      failed_ = true;
    }
  }
  bool failed() const { return failed_; }

 private:
  bool failed_ = false;
};

void log_load(const std::string& what, const load_result& r) {
  std::cerr << what << ": " << r.latencies_ns.size() << " calls, " << static_cast<long>(r.per_s())
            << "/s, p50 " << median_us(r.latencies_ns) << " us, p99 "
            << percentile_us(r.latencies_ns, 0.99) << " us";
  if (r.errors > 0) std::cerr << ", " << r.errors << " FAILED (first: " << r.first_error << ")";
  std::cerr << std::endl;
  if (r.latencies_ns.empty()) throw std::runtime_error(what + ": no call succeeded");
}

/// Everything measured against one running server.
class bench {
 public:
  bench(suite_target& target, bool quick, std::string peers)
      : t_(timing_for(quick)),
        peers_(std::move(peers)),
        client_(target.client),
        server_(target.server),
        raw_(std::move(target.raw)),
        tcp_port_(target.tcp_port),
        timeout_(target.timeout) {}

  int run() {
    sections s;
    // Order matters: a cleave call leaves a timer behind in the client's forwarder, which fires
    // at the call's deadline (2 s by default) as one more message. raw_caf runs before cleave in
    // each pair so that it never pays for that backlog, and the HTTP peers (other processes) run
    // while the backlog of the 100-outstanding run drains.
    s.run("B3/B9 sequential, 16 B", [&] { sequential(); });
    s.run("B3 100 outstanding", [&] { outstanding_100(); });
    if (peers_.empty()) {
      std::cerr << "no --peers DIR: poco_http and go_http skipped" << std::endl;
    } else {
      for (const auto& peer : {poco_peer(peers_), go_peer(peers_)})
        s.run("B4 " + peer.variant, [&] { b4_http(peer); });
    }
    s.run("B4 cleave", [&] { b4_cleave(); });
    s.run("B8 remote callers", [&] { b8(); });
    s.run("B9 idle CPU", [&] { idle_cpu(); });
    raw_ = nullptr;
    return s.failed() ? 1 : 0;
  }

 private:
  load_spec spec(int callers, int window, size_t payload) const {
    load_spec sp;
    sp.callers = callers;
    sp.window = window;
    sp.payload = payload;
    sp.warmup = t_.warmup;
    sp.measure = t_.measure;
    sp.timeout = timeout_;
    return sp;
  }

  load_result cleave_load(const std::string& what, int callers, int window, size_t payload) {
    check_server();
    auto r = run_cleave_load(client_.system(), "echo", spec(callers, window, payload));
    log_load("cleave " + what, r);
    return r;
  }

  load_result raw_load(const std::string& what, int callers, int window, size_t payload) {
    check_server();
    auto r = run_raw_caf_load(client_.system(), raw_, spec(callers, window, payload));
    log_load("raw_caf " + what, r);
    return r;
  }

  void sequential() {
    auto raw = median_us(raw_load("seq 16 B", 1, 1, 16).latencies_ns);
    auto cleave = median_us(cleave_load("seq 16 B", 1, 1, 16).latencies_ns);
    check_server();
    auto tcp = tcp_pingpong_rtts(tcp_port_, t_.warmup, t_.measure);
    std::cerr << "raw_tcp seq 16 B: " << tcp.size() << " round trips, p50 " << median_us(tcp)
              << " us, p99 " << percentile_us(tcp, 0.99) << " us" << std::endl;
    cleave_bench::report("B3", "seq_rtt_us", "cleave", cleave);
    cleave_bench::report("B3", "seq_rtt_us", "raw_caf", raw);
    cleave_bench::report("B4", "p50_us_16B", "cleave", cleave);
    cleave_bench::report("B9", "seq_rtt_us", "cleave", cleave);
    cleave_bench::report("B9", "seq_rtt_us", "raw_tcp", median_us(tcp));
  }

  void outstanding_100() {
    auto raw = raw_load("100 outstanding", 1, 100, 16).per_s();
    auto cleave = cleave_load("100 outstanding", 1, 100, 16).per_s();
    cleave_bench::report("B3", "throughput_100_per_s", "cleave", cleave);
    cleave_bench::report("B3", "throughput_100_per_s", "raw_caf", raw);
  }

  void b4_cleave() {
    auto p50_1k = median_us(cleave_load("seq 1 KiB", 1, 1, 1024).latencies_ns);
    cleave_bench::report("B4", "p50_us_1KiB", "cleave", p50_1k);
    auto t16 = cleave_load("64 callers 16 B", 64, 1, 16).per_s();
    cleave_bench::report("B4", "throughput_64_per_s_16B", "cleave", t16);
    auto t1k = cleave_load("64 callers 1 KiB", 64, 1, 1024).per_s();
    cleave_bench::report("B4", "throughput_64_per_s_1KiB", "cleave", t1k);
  }

  void b4_http(const http_peer& peer) {
    if (!available(peer)) {
      std::cerr << peer.variant << ": " << peer.server << " or " << peer.client
                << " missing: skipped" << std::endl;
      return;
    }
    auto results =
        run_http_peer(peer, {{1, 16}, {1, 1024}, {64, 16}, {64, 1024}}, t_.warmup, t_.measure);
    const char* metrics[] = {"p50_us_16B", "p50_us_1KiB", "throughput_64_per_s_16B",
                             "throughput_64_per_s_1KiB"};
    bool all = true;
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i]) {
        all = false;
        continue;
      }
      std::cerr << peer.variant << " " << metrics[i] << ": " << results[i]->calls_per_s
                << " calls/s, p50 " << results[i]->p50_us << " us" << std::endl;
      double value = i < 2 ? results[i]->p50_us : results[i]->calls_per_s;
      cleave_bench::report("B4", metrics[i], peer.variant, value);
    }
    if (!all) throw std::runtime_error(peer.variant + ": some client runs failed");
  }

  void b8() {
    for (int callers : {1, 4, 16, 64, 256}) {
      auto r = cleave_load(std::to_string(callers) + " callers", callers, 1, 16);
      cleave_bench::report("B8", "remote_throughput_per_s", "callers_" + std::to_string(callers),
                           r.per_s());
    }
  }

  void idle_cpu() {
    check_server();
    auto before = cpu_seconds(server_.pid());
    auto start = std::chrono::steady_clock::now();
    // The idle window: waiting on the child reads its output and notices if it dies meanwhile.
    if (server_.wait(t_.idle)) throw std::runtime_error("the server exited\n" + server_.report());
    auto after = cpu_seconds(server_.pid());
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!before || !after) throw std::runtime_error("cannot read /proc/PID/stat of the server");
    auto percent = 100.0 * (*after - *before) / elapsed;
    std::cerr << "server idle: " << (*after - *before) << " s CPU in " << elapsed << " s"
              << std::endl;
    cleave_bench::report("B9", "idle_cpu_percent", "cleave_server", percent);
  }

  /// Reads what the server printed (so that its pipes never fill) and fails if it is gone.
  void check_server() {
    if (server_.wait(1ms)) throw std::runtime_error("the server exited\n" + server_.report());
  }

  timing t_;
  std::string peers_;
  cleave::test_node& client_;
  cleave_test::process& server_;
  caf::actor raw_;
  uint16_t tcp_port_;
  caf::timespan timeout_;
};

}  // namespace

int run_suite(suite_target& target, bool quick, const std::string& peers_dir) {
  bench b{target, quick, peers_dir};
  return b.run();
}

}  // namespace bench_remote
