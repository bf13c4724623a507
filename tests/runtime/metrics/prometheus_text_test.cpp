// Renders registries and reads the text back with a strict parser, line by line.
#include "runtime/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "runtime/metrics/names.hpp"
#include "tests/runtime/metrics/prometheus_parser.hpp"

namespace cm = cleave::metrics;
using cm::testing::exposition;
using cm::testing::parser;

namespace {

cm::registry::options no_process() {
  cm::registry::options opts;
  opts.process_metrics = false;
  return opts;
}

// The samples of `name` whose labels include all of `match`.
std::vector<cm::testing::sample> find(const exposition& e, const std::string& name,
                                      const std::map<std::string, std::string>& match = {}) {
  std::vector<cm::testing::sample> out;
  for (const auto& s : e.samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : match) {
      auto i = s.labels.find(k);
      all = all && i != s.labels.end() && i->second == v;
    }
    if (all) out.push_back(s);
  }
  return out;
}

double le_value(const std::string& le) {
  return le == "+Inf" ? INFINITY : std::stod(le);
}

// Checks every histogram series in `e`: le ascending ending in +Inf, counts non-decreasing,
// +Inf == _count, and _sum present.
void check_histograms(const exposition& e) {
  for (const auto& [family, type] : e.type) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<cm::testing::sample>> series;
    for (const auto& s : find(e, family + "_bucket")) {
      ASSERT_EQ(s.labels.count("le"), 1u) << "line " << s.line;
      auto key = s.labels;
      key.erase("le");
      series[key].push_back(s);
    }
    ASSERT_FALSE(series.empty()) << family;
    for (const auto& [labels, buckets] : series) {
      ASSERT_EQ(buckets.back().labels.at("le"), "+Inf") << family;
      for (size_t i = 1; i < buckets.size(); ++i) {
        EXPECT_LT(le_value(buckets[i - 1].labels.at("le")), le_value(buckets[i].labels.at("le")))
            << "line " << buckets[i].line;
        EXPECT_LE(buckets[i - 1].value, buckets[i].value) << "line " << buckets[i].line;
      }
      auto count = find(e, family + "_count", labels);
      auto sum = find(e, family + "_sum", labels);
      ASSERT_EQ(count.size(), 1u) << family;
      ASSERT_EQ(sum.size(), 1u) << family;
      EXPECT_EQ(count[0].value, buckets.back().value) << family;
    }
  }
}

TEST(prometheus_text, contract_metrics_read_back_line_by_line) {
  cm::registry reg;
  namespace n = cm::names;
  reg.counter(n::http_requests_total.name, n::http_requests_total.help,
              {{"method", "GET"}, {"route", "/things/{id}"}, {"code", "200"}})
      .inc(7);
  reg.counter(n::http_requests_total.name, n::http_requests_total.help,
              {{"method", "POST"}, {"route", "unmatched"}, {"code", "404"}})
      .inc();
  auto dur =
      reg.histogram(n::http_request_duration_seconds.name, n::http_request_duration_seconds.help,
                    {{"method", "GET"}, {"route", "/things/{id}"}});
  for (double v : {0.001, 0.02, 0.02, 0.3, 4.0, 60.0}) dur.observe(v);
  reg.counter(n::cleave_calls_total.name, n::cleave_calls_total.help,
              {{"component", "store"}, {"op", "get"}, {"placement", "remote"}, {"outcome", "ok"}})
      .inc(3);
  reg.histogram(n::cleave_call_duration_seconds.name, n::cleave_call_duration_seconds.help,
                {{"component", "store"}, {"op", "get"}, {"placement", "remote"}})
      .observe(0.004);

  auto text = reg.prometheus_text();
  exposition e;
  ASSERT_NO_THROW(e = parser::parse(text)) << text;

  // Every family has one HELP and one TYPE, before its samples (the parser enforces order).
  for (const char* family :
       {"http_requests_total", "http_request_duration_seconds", "cleave_calls_total",
        "cleave_call_duration_seconds", "process_resident_memory_bytes", "process_threads",
        "process_uptime_seconds"}) {
    EXPECT_EQ(e.help.count(family), 1u) << family;
    EXPECT_EQ(e.type.count(family), 1u) << family;
  }
  EXPECT_EQ(e.type.at("http_requests_total"), "counter");
  EXPECT_EQ(e.type.at("http_request_duration_seconds"), "histogram");
  EXPECT_EQ(e.type.at("cleave_calls_total"), "counter");
  EXPECT_EQ(e.type.at("cleave_call_duration_seconds"), "histogram");
  EXPECT_EQ(e.type.at("process_threads"), "gauge");
  EXPECT_EQ(e.help.at("http_requests_total"), n::http_requests_total.help);

  auto get = find(e, "http_requests_total", {{"method", "GET"}, {"code", "200"}});
  ASSERT_EQ(get.size(), 1u);
  EXPECT_EQ(get[0].labels.at("route"), "/things/{id}");
  EXPECT_EQ(get[0].value, 7);

  check_histograms(e);
  auto buckets = find(e, "http_request_duration_seconds_bucket", {{"method", "GET"}});
  ASSERT_EQ(buckets.size(), 12u);  // 11 default bounds and +Inf
  std::map<std::string, double> by_le;
  for (const auto& b : buckets) by_le[b.labels.at("le")] = b.value;
  EXPECT_EQ(by_le.at("0.005"), 1);
  EXPECT_EQ(by_le.at("0.025"), 3);
  EXPECT_EQ(by_le.at("0.5"), 4);
  EXPECT_EQ(by_le.at("5"), 5);
  EXPECT_EQ(by_le.at("10"), 5);
  EXPECT_EQ(by_le.at("+Inf"), 6);
  EXPECT_DOUBLE_EQ(find(e, "http_request_duration_seconds_sum")[0].value, 64.341);

  EXPECT_GT(find(e, "process_resident_memory_bytes")[0].value, 0);
  EXPECT_GE(find(e, "process_threads")[0].value, 1);
  EXPECT_GE(find(e, "process_uptime_seconds")[0].value, 0);
}

TEST(prometheus_text, label_values_and_help_are_escaped) {
  cm::registry reg{no_process()};
  const std::string nasty = "a\"b\\c\nd}e,f=g";
  reg.counter("esc_total", "Help with \\ and\nnewline and \"quotes\".", {{"v", nasty}}).inc();
  auto text = reg.prometheus_text();
  // In the text: backslash, quote and newline escaped in the label value ...
  EXPECT_NE(text.find(R"(esc_total{v="a\"b\\c\nd}e,f=g"} 1)"), std::string::npos) << text;
  // ... and backslash and newline in HELP, where quotes stay as they are.
  EXPECT_NE(text.find(R"(# HELP esc_total Help with \\ and\nnewline and "quotes".)"),
            std::string::npos)
      << text;
  exposition e;
  ASSERT_NO_THROW(e = parser::parse(text)) << text;
  ASSERT_EQ(e.samples.size(), 1u);
  EXPECT_EQ(e.samples[0].labels.at("v"), nasty);
  EXPECT_EQ(e.help.at("esc_total"), "Help with \\ and\nnewline and \"quotes\".");
}

TEST(prometheus_text, exact_text_of_a_small_registry) {
  cm::registry reg{no_process()};
  reg.counter("b_total", "B.", {{"code", "200"}, {"method", "GET"}}).inc(2);
  reg.counter("b_total", "B.", {{"code", "500"}, {"method", "GET"}});
  auto h = reg.histogram("a_seconds", "A.", {}, {0.5, 1});
  h.observe(0.25);
  h.observe(0.75);
  h.observe(2);
  EXPECT_EQ(reg.prometheus_text(),
            "# HELP a_seconds A.\n"
            "# TYPE a_seconds histogram\n"
            "a_seconds_bucket{le=\"0.5\"} 1\n"
            "a_seconds_bucket{le=\"1\"} 2\n"
            "a_seconds_bucket{le=\"+Inf\"} 3\n"
            "a_seconds_sum 3\n"
            "a_seconds_count 3\n"
            "# HELP b_total B.\n"
            "# TYPE b_total counter\n"
            "b_total{code=\"200\",method=\"GET\"} 2\n"
            "b_total{code=\"500\",method=\"GET\"} 0\n");
}

TEST(prometheus_text, histogram_le_comes_after_the_series_labels) {
  cm::registry reg{no_process()};
  reg.histogram("x_seconds", "X.", {{"route", "/r"}}).observe(0.01);
  auto text = reg.prometheus_text();
  EXPECT_NE(text.find("x_seconds_bucket{route=\"/r\",le=\"0.01\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{route=\"/r\",le=\"0.005\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_sum{route=\"/r\"} 0.01\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_count{route=\"/r\"} 1\n"), std::string::npos);
}

TEST(prometheus_text, the_parser_refuses_broken_text) {
  // The checks above are only worth what the parser refuses.
  EXPECT_THROW(parser::parse("a 1"), std::runtime_error);                      // no final \n
  EXPECT_THROW(parser::parse("a{x=\"1} 1\n"), std::runtime_error);             // unterminated
  EXPECT_THROW(parser::parse("a{x=\"\\q\"} 1\n"), std::runtime_error);         // bad escape
  EXPECT_THROW(parser::parse("a 1\n# TYPE a counter\n"), std::runtime_error);  // TYPE late
  EXPECT_THROW(parser::parse("a 1\nb 1\na 2\n"), std::runtime_error);          // not grouped
  EXPECT_THROW(parser::parse("# TYPE a counter\n# TYPE a counter\n"), std::runtime_error);
  EXPECT_THROW(parser::parse("a one\n"), std::runtime_error);
  EXPECT_NO_THROW(parser::parse("# HELP a x\n# TYPE a counter\na{b=\"\\\"\"} 1\n"));
}

TEST(prometheus_text, empty_registry_renders_nothing_but_process_gauges) {
  cm::registry bare{no_process()};
  EXPECT_EQ(bare.prometheus_text(), "");
  cm::registry with;
  auto e = parser::parse(with.prometheus_text());
  EXPECT_EQ(e.samples.size(), 3u);
}

}  // namespace
