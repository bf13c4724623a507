#include "bench/runner/targets.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json/object.hpp>

namespace cleave_bench {

namespace {

using k = target::kind;

target ratio(std::string id, std::string what, result_key measured, result_key reference, k how,
             double bound) {
  return target{std::move(id), std::move(what), std::move(measured), std::move(reference), how,
                bound};
}

target value(std::string id, std::string what, result_key measured, double bound) {
  return target{std::move(id), std::move(what), std::move(measured), {}, k::value_at_most, bound};
}

target reported(std::string id, std::string what, result_key measured) {
  return target{std::move(id), std::move(what), std::move(measured), {}, k::report_value, 0};
}

std::vector<target> make_targets() {
  std::vector<target> t;
  t.push_back(ratio("B1", "in-process call latency, cleave / raw CAF",
                    {"B1", "seq_latency_us", "cleave"}, {"B1", "seq_latency_us", "raw_caf"},
                    k::ratio_at_most, 1.10));
  t.push_back(ratio("B1", "in-process throughput (100 outstanding), cleave / raw CAF",
                    {"B1", "throughput_100_per_s", "cleave"},
                    {"B1", "throughput_100_per_s", "raw_caf"}, k::ratio_at_least, 0.90));
  t.push_back(ratio("B2", "in-process call latency, 64 KiB / 16 B",
                    {"B2", "seq_latency_us", "64KiB"}, {"B2", "seq_latency_us", "16B"},
                    k::ratio_at_most, 1.2));
  // The references (raw CAF, HTTP, raw TCP) are plain: cleave over plain connections is compared
  // with them as measured in the same program run (the "_plain" run of cleave_bench_remote), and
  // its default, mutual TLS, with itself over plain connections.
  t.push_back(ratio("B3", "remote round trip, cleave plain / raw CAF middleman",
                    {"B3", "seq_rtt_us", "cleave_plain"}, {"B3", "seq_rtt_us", "raw_caf_plain"},
                    k::ratio_at_most, 1.15));
  t.push_back(ratio("B3", "remote throughput (100 outstanding), cleave plain / raw CAF",
                    {"B3", "throughput_100_per_s", "cleave_plain"},
                    {"B3", "throughput_100_per_s", "raw_caf_plain"}, k::ratio_at_least, 0.85));
  t.push_back(ratio("B3", "remote round trip, mutual TLS / plain", {"B3", "seq_rtt_us", "cleave"},
                    {"B3", "seq_rtt_us", "cleave_plain"}, k::ratio_at_most, 1.15));
  t.push_back(ratio("B3", "remote throughput, mutual TLS / plain",
                    {"B3", "throughput_100_per_s", "cleave"},
                    {"B3", "throughput_100_per_s", "cleave_plain"}, k::report_ratio, 0));
  for (const char* size : {"16B", "1KiB"}) {
    std::string p50 = std::string{"p50_us_"} + size;
    std::string tput = std::string{"throughput_64_per_s_"} + size;
    t.push_back(ratio("B4", std::string{"remote p50, cleave plain / Poco HTTP hop, "} + size,
                      {"B4", p50, "cleave_plain"}, {"B4", p50, "poco_http_plain"}, k::ratio_at_most,
                      1.0));
    t.push_back(ratio(
        "B4", std::string{"64 callers throughput, cleave plain / Poco HTTP hop, "} + size,
        {"B4", tput, "cleave_plain"}, {"B4", tput, "poco_http_plain"}, k::ratio_at_least, 2.0));
    t.push_back(ratio("B4", std::string{"remote p50, mutual TLS / plain, "} + size,
                      {"B4", p50, "cleave"}, {"B4", p50, "cleave_plain"}, k::ratio_at_most, 1.15));
  }
  t.push_back(ratio("B5", "chain of 4 p50, HTTP chain / monolith (times lower)",
                    {"B5", "p50_us", "http_chain"}, {"B5", "p50_us", "monolith"}, k::ratio_at_least,
                    14.0));
  t.push_back(ratio("B5", "chain of 4 p50, HTTP chain / monolith through the gateway",
                    {"B5", "p50_us", "http_chain"}, {"B5", "p50_us", "monolith_gateway"},
                    k::report_ratio, 0));
  t.push_back(ratio("B5", "chain of 4 p50, every component on its own node (plain) / HTTP chain",
                    {"B5", "p50_us", "split_plain"}, {"B5", "p50_us", "http_chain"},
                    k::ratio_at_most, 1.0));
  t.push_back(ratio("B5", "chain of 4 p50 split, mutual TLS / plain", {"B5", "p50_us", "split"},
                    {"B5", "p50_us", "split_plain"}, k::ratio_at_most, 1.15));
  t.push_back(ratio("B6", "POST /add requests/s, cleave counter / go-kit counter",
                    {"B6", "rps_per_s", "cleave"}, {"B6", "rps_per_s", "gokit"}, k::ratio_at_least,
                    1.2));
  t.push_back(ratio("B6", "POST /add p99, cleave counter / go-kit counter",
                    {"B6", "p99_us", "cleave"}, {"B6", "p99_us", "gokit"}, k::ratio_at_most, 1.0));
  t.push_back(ratio("B7", "idle RSS, cleave counter / go-kit counter",
                    {"B7", "idle_rss_bytes", "cleave"}, {"B7", "idle_rss_bytes", "gokit"},
                    k::ratio_at_most, 1.5));
  t.push_back(ratio("B7", "exec to first 200, cleave counter / go-kit counter",
                    {"B7", "start_ms", "cleave"}, {"B7", "start_ms", "gokit"}, k::ratio_at_most,
                    2.0));
  t.push_back(ratio("B8", "call latency, 10000 / 1 registered components",
                    {"B8", "call_latency_us", "10000"}, {"B8", "call_latency_us", "1"},
                    k::ratio_at_most, 1.2));
  t.push_back(ratio("B8", "lookup latency, 10000 / 1 registered components",
                    {"B8", "lookup_latency_us", "10000"}, {"B8", "lookup_latency_us", "1"},
                    k::ratio_at_most, 1.2));
  t.push_back(value("B8", "RSS per idle component (bytes)",
                    {"B8", "rss_per_idle_component_bytes", "10000"}, 2048));
  t.push_back(ratio("B9", "remote round trip 16 B, cleave plain / raw TCP ping-pong",
                    {"B9", "seq_rtt_us", "cleave_plain"}, {"B9", "seq_rtt_us", "raw_tcp_plain"},
                    k::ratio_at_most, 3.0));
  t.push_back(ratio("B9", "remote round trip 16 B, mutual TLS / plain",
                    {"B9", "seq_rtt_us", "cleave"}, {"B9", "seq_rtt_us", "cleave_plain"},
                    k::ratio_at_most, 1.15));
  t.push_back(value("B9", "idle CPU of a serving node (% of a core)",
                    {"B9", "idle_cpu_percent", "cleave_server"}, 1.0));
  // Issue 11: what balancing over two replicas costs a call, against a single target of the
  // same run; in-process, the replicated component's only replica up is the caller's own.
  for (const char* policy : {"round_robin", "least_outstanding"}) {
    std::string name = policy;
    std::replace(name.begin(), name.end(), '_', '-');
    t.push_back(ratio("B10", "in-process, 2 replicas (" + name + ") / plain local",
                      {"B10", "seq_latency_us", std::string{"local_"} + policy},
                      {"B10", "seq_latency_us", "local"}, k::ratio_at_most, 1.1));
    t.push_back(ratio("B10", "remote round trip, 2 replicas (" + name + ") / 1 node",
                      {"B10", "seq_rtt_us", policy}, {"B10", "seq_rtt_us", "single"},
                      k::ratio_at_most, 1.1));
  }
  // Where a remote difference comes from: calls spread over two nodes without a replica choice,
  // and the choice with one replica up.
  t.push_back(ratio("B10", "remote, 2 single nodes called in turn / 1 node",
                    {"B10", "seq_rtt_us", "alternating"}, {"B10", "seq_rtt_us", "single"},
                    k::report_ratio, 0));
  t.push_back(ratio("B10", "remote, 2 replicas, 1 up (round-robin) / 1 node",
                    {"B10", "seq_rtt_us", "round_robin_one_up"}, {"B10", "seq_rtt_us", "single"},
                    k::report_ratio, 0));
  // One of two replicas killed under a steady load, next to the same load without a kill.
  for (const char* variant : {"kill", "kill_idempotent"}) {
    std::string calls = std::string{variant} == "kill" ? "" : " (idempotent)";
    t.push_back(ratio("B11", "p99 with a replica killed / without" + calls,
                      {"B11", "p99_us", variant}, {"B11", "p99_us", "no_kill"}, k::report_ratio,
                      0));
    t.push_back(reported("B11", "failed calls across the kill: outcome_unknown" + calls,
                         {"B11", "failed_outcome_unknown_calls", variant}));
    t.push_back(reported("B11", "failed calls across the kill: other errors" + calls,
                         {"B11", "failed_other_calls", variant}));
  }
  // Issue 12: a sequence of calls written as a coroutine (co_await) against the same calls
  // chained with .then, in one handler of one node.
  // B12: the monolith should win on one machine (every hop of step 5 is a loopback TLS hop);
  // the figures say by how much.
  t.push_back(ratio("B12", "Shop orders/s, monolith / step 5", {"B12", "rps_per_s", "monolith"},
                    {"B12", "rps_per_s", "step5"}, k::report_ratio, 0));
  t.push_back(ratio("B12", "Shop orders/s, step 5 with NATS events / step 5",
                    {"B12", "rps_per_s", "events_nats"}, {"B12", "rps_per_s", "step5"},
                    k::report_ratio, 0));
  for (const char* v : {"monolith", "step5", "events_nats"}) {
    t.push_back(reported("B12", std::string{"Shop order p50, "} + v, {"B12", "p50_us", v}));
    t.push_back(reported("B12", std::string{"Shop order p99, "} + v, {"B12", "p99_us", v}));
  }
  t.push_back(ratio("B12", "event round trip p50, NATS / cluster",
                    {"B12", "pingpong_p50_us", "nats"}, {"B12", "pingpong_p50_us", "cluster"},
                    k::report_ratio, 0));
  t.push_back(ratio("B12", "event round trips/s, NATS / cluster",
                    {"B12", "pingpongs_per_s", "nats"}, {"B12", "pingpongs_per_s", "cluster"},
                    k::report_ratio, 0));
  t.push_back(ratio("B13", "100 sequential calls, co_await / .then",
                    {"B13", "sequence_100_us", "coroutine"}, {"B13", "sequence_100_us", "then"},
                    k::ratio_at_most, 1.1));
  return t;
}

std::string format(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", x);
  return text;
}

}  // namespace

const std::vector<target>& all_targets() {
  static const std::vector<target> targets = make_targets();
  return targets;
}

std::vector<verdict> judge(const results& r) {
  std::vector<verdict> out;
  for (const auto& t : all_targets()) {
    verdict v;
    v.t = &t;
    auto m = r.get(t.measured);
    if (is_value(t)) {
      if (m) {
        v.figure = m->median;
        if (t.how == k::value_at_most) v.met = m->median <= t.bound;
      }
    } else if (auto ref = r.get(t.reference); m && ref && ref->median != 0) {
      v.figure = m->median / ref->median;
      if (t.how == k::ratio_at_most) v.met = *v.figure <= t.bound;
      if (t.how == k::ratio_at_least) v.met = *v.figure >= t.bound;
    }
    out.push_back(v);
  }
  return out;
}

std::string bound_text(const target& t) {
  switch (t.how) {
    case k::ratio_at_most:
      return "<= " + format(t.bound) + "x";
    case k::ratio_at_least:
      return ">= " + format(t.bound) + "x";
    case k::value_at_most:
      return "<= " + format(t.bound);
    case k::report_ratio:
    case k::report_value:
      return "(reported)";
  }
  return "";
}

bool is_value(const target& t) {
  return t.how == k::value_at_most || t.how == k::report_value;
}

boost::json::array verdicts_json(const std::vector<verdict>& verdicts) {
  boost::json::array out;
  auto key = [](const result_key& k) {
    return boost::json::object{{"bench", k.bench}, {"metric", k.metric}, {"variant", k.variant}};
  };
  for (const auto& v : verdicts) {
    boost::json::object o{{"id", v.t->id},
                          {"what", v.t->what},
                          {"target", bound_text(*v.t)},
                          {"measured", key(v.t->measured)}};
    if (!is_value(*v.t)) o["reference"] = key(v.t->reference);
    o["figure"] = v.figure ? boost::json::value(*v.figure) : boost::json::value(nullptr);
    o["met"] = v.met ? boost::json::value(*v.met) : boost::json::value(nullptr);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace cleave_bench
