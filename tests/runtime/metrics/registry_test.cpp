#include "runtime/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>

namespace cm = cleave::metrics;

namespace {

cm::registry::options no_process() {
  cm::registry::options opts;
  opts.process_metrics = false;
  return opts;
}

TEST(registry, counter_starts_at_zero_and_counts_increments) {
  cm::registry reg{no_process()};
  auto c = reg.counter("jobs_total", "Jobs.");
  EXPECT_EQ(c.value(), 0u);
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);
}

TEST(registry, gauges_go_up_and_down_and_render_as_gauges) {
  cm::registry reg{no_process()};
  auto g = reg.gauge("breaker_state", "State.", {{"node", "r2"}});
  EXPECT_EQ(g.value(), 0);
  g.set(2);
  reg.gauge("breaker_state", "State.", {{"node", "r2"}}).set(-1);
  EXPECT_EQ(g.value(), -1);
  EXPECT_EQ(
      reg.prometheus_text(),
      "# HELP breaker_state State.\n# TYPE breaker_state gauge\nbreaker_state{node=\"r2\"} -1\n");
  EXPECT_EQ(reg.expvar().at("breaker_state{node=\"r2\"}").as_int64(), -1);
  EXPECT_THROW(reg.counter("breaker_state", "State.", {{"node", "r2"}}), std::invalid_argument);
}

TEST(registry, same_name_and_labels_is_the_same_series_whatever_the_order) {
  cm::registry reg{no_process()};
  auto a = reg.counter("hits_total", "Hits.", {{"x", "1"}, {"y", "2"}});
  cm::labels reversed;
  reversed.emplace("y", "2");
  reversed.emplace("x", "1");
  auto b = reg.counter("hits_total", "ignored: the first help text stays", reversed);
  a.inc();
  b.inc();
  EXPECT_EQ(a.value(), 2u);
  EXPECT_EQ(b.value(), 2u);
  auto other = reg.counter("hits_total", "Hits.", {{"x", "1"}, {"y", "3"}});
  EXPECT_EQ(other.value(), 0u);
  EXPECT_NE(reg.prometheus_text().find("# HELP hits_total Hits.\n"), std::string::npos);
}

TEST(registry, histogram_buckets_are_less_or_equal) {
  cm::registry reg{no_process()};
  auto h = reg.histogram("lat_seconds", "Latency.");
  h.observe(0.005);   // exactly on the first bound: counted in it
  h.observe(0.0051);  // just above: next bucket
  h.observe(10.0);    // last finite bound
  h.observe(11.0);    // only +Inf
  auto s = h.read();
  ASSERT_EQ(s.bounds, cm::default_buckets());
  ASSERT_EQ(s.cumulative.size(), s.bounds.size() + 1);
  EXPECT_EQ(s.cumulative[0], 1u);                    // le 0.005
  EXPECT_EQ(s.cumulative[1], 2u);                    // le 0.01
  EXPECT_EQ(s.cumulative[s.bounds.size() - 1], 3u);  // le 10
  EXPECT_EQ(s.cumulative.back(), 4u);                // +Inf
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 0.005 + 0.0051 + 10.0 + 11.0);
}

TEST(registry, default_buckets_are_prometheus_defaults) {
  std::vector<double> expected{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
  EXPECT_EQ(cm::default_buckets(), expected);
}

TEST(registry, histogram_observes_durations_in_seconds_and_ignores_nan) {
  cm::registry reg{no_process()};
  auto h = reg.histogram("d_seconds", "D.");
  h.observe(std::chrono::milliseconds{250});
  h.observe(std::nan(""));
  auto s = h.read();
  EXPECT_EQ(s.count, 1u);
  EXPECT_DOUBLE_EQ(s.sum, 0.25);
  EXPECT_EQ(s.cumulative[4], 0u);  // le 0.1
  EXPECT_EQ(s.cumulative[5], 1u);  // le 0.25
}

TEST(registry, custom_buckets) {
  cm::registry reg{no_process()};
  auto h = reg.histogram("size_bytes", "Sizes.", {}, {100, 1000});
  h.observe(500);
  auto s = h.read();
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{0, 1, 1}));
}

TEST(registry, contradicting_or_invalid_registrations_throw) {
  cm::registry reg;
  reg.counter("c_total", "C.", {{"a", "1"}});
  reg.histogram("h_seconds", "H.", {{"a", "1"}});
  // Type, label names and buckets must match the first registration.
  EXPECT_THROW(reg.histogram("c_total", "C.", {{"a", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.counter("h_seconds", "H.", {{"a", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.counter("c_total", "C.", {{"b", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.counter("c_total", "C."), std::invalid_argument);
  EXPECT_THROW(reg.histogram("h_seconds", "H.", {{"a", "1"}}, {1, 2}), std::invalid_argument);
  // Names.
  EXPECT_THROW(reg.counter("", "x"), std::invalid_argument);
  EXPECT_THROW(reg.counter("1abc", "x"), std::invalid_argument);
  EXPECT_THROW(reg.counter("a-b", "x"), std::invalid_argument);
  EXPECT_NO_THROW(reg.counter("ns:sub_total", "colons are allowed in metric names"));
  EXPECT_THROW(reg.counter("x_total", "x", {{"a:b", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.counter("x_total", "x", {{"__a", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.counter("x_total", "x", {{"", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("y_seconds", "y", {{"le", "1"}}), std::invalid_argument);
  // Buckets.
  EXPECT_THROW(reg.histogram("z1", "z", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("z2", "z", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("z3", "z", {}, {1, INFINITY}), std::invalid_argument);
  // The process gauges' names are taken.
  EXPECT_THROW(reg.counter("process_threads", "x"), std::invalid_argument);
  // A refused registration leaves nothing behind.
  EXPECT_EQ(reg.prometheus_text().find("x_total"), std::string::npos);
  EXPECT_EQ(reg.prometheus_text().find("z1"), std::string::npos);
}

TEST(registry, counters_from_many_threads_equal_the_increments) {
  cm::registry reg{no_process()};
  constexpr int threads = 8;
  constexpr int per_thread = 50'000;
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&reg, t] {
      auto kept = reg.counter("kept_total", "K.");
      for (int i = 0; i < per_thread; ++i) {
        // Half the increments through a series looked up each time (registration races),
        // half through a kept handle (the hot path).
        reg.counter("shared_total", "S.", {{"k", std::to_string(i % 4)}}).inc();
        kept.inc();
        reg.histogram("obs_seconds", "O.", {{"t", std::to_string(t % 2)}}).observe(0.001);
      }
    });
  }
  for (auto& w : workers) w.join();
  uint64_t shared = 0;
  for (int k = 0; k < 4; ++k)
    shared += reg.counter("shared_total", "S.", {{"k", std::to_string(k)}}).value();
  EXPECT_EQ(shared, uint64_t{threads} * per_thread);
  EXPECT_EQ(reg.counter("kept_total", "K.").value(), uint64_t{threads} * per_thread);
  auto h0 = reg.histogram("obs_seconds", "O.", {{"t", "0"}}).read();
  auto h1 = reg.histogram("obs_seconds", "O.", {{"t", "1"}}).read();
  EXPECT_EQ(h0.count + h1.count, uint64_t{threads} * per_thread);
  EXPECT_NEAR(h0.sum + h1.sum, threads * per_thread * 0.001, 1e-6);
}

TEST(registry, a_handle_outlives_its_registry) {
  auto reg = std::make_unique<cm::registry>();
  auto c = reg->counter("c_total", "C.");
  reg.reset();
  c.inc();
  EXPECT_EQ(c.value(), 1u);
}

TEST(registry, default_registry_is_one_instance) {
  auto& a = cm::default_registry();
  auto& b = cm::default_registry();
  EXPECT_EQ(&a, &b);
  a.counter("default_registry_test_total", "T.").inc();
  EXPECT_EQ(b.counter("default_registry_test_total", "T.").value(), 1u);
}

TEST(registry, expvar_json_keys_counters_by_name_and_labels) {
  cm::registry reg;
  reg.counter("plain_total", "P.").inc(3);
  reg.counter("req_total", "R.", {{"route", "/a\"b"}, {"code", "200"}}).inc(2);
  auto h = reg.histogram("lat_seconds", "L.", {{"route", "/a"}});
  h.observe(0.2);
  h.observe(20);
  auto v = boost::json::parse(reg.expvar_json());
  ASSERT_TRUE(v.is_object());
  const auto& o = v.get_object();
  EXPECT_EQ(o.at("plain_total").to_number<uint64_t>(), 3u);
  EXPECT_EQ(o.at(R"(req_total{code="200",route="/a\"b"})").to_number<uint64_t>(), 2u);
  const auto& hist = o.at(R"(lat_seconds{route="/a"})").as_object();
  EXPECT_EQ(hist.at("count").to_number<uint64_t>(), 2u);
  EXPECT_DOUBLE_EQ(hist.at("sum").to_number<double>(), 20.2);
  EXPECT_EQ(hist.at("buckets").as_object().at("0.1").to_number<uint64_t>(), 0u);
  EXPECT_EQ(hist.at("buckets").as_object().at("0.25").to_number<uint64_t>(), 1u);
  EXPECT_EQ(hist.at("buckets").as_object().at("+Inf").to_number<uint64_t>(), 2u);
  EXPECT_GT(o.at("process_resident_memory_bytes").to_number<uint64_t>(), 0u);
  EXPECT_GE(o.at("process_threads").to_number<uint64_t>(), 1u);
  EXPECT_GE(o.at("process_uptime_seconds").to_number<double>(), 0.0);
}

TEST(registry, expvar_sum_of_infinity_is_null) {
  cm::registry reg{no_process()};
  reg.histogram("h_seconds", "H.").observe(INFINITY);
  auto o = reg.expvar();
  EXPECT_TRUE(o.at("h_seconds").as_object().at("sum").is_null());
  EXPECT_EQ(o.size(), 1u);
}

}  // namespace
