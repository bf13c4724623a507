// Log lines: one JSON object per line on stderr, fixed keys first.
#include "runtime/core/log.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "runtime/core/request_context.hpp"

namespace {

/// The lines `f` writes to stderr.
template <class F>
std::vector<std::string> lines_of(F f) {
  testing::internal::CaptureStderr();
  f();
  auto text = testing::internal::GetCapturedStderr();
  std::vector<std::string> out;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    out.push_back(text.substr(start, end - start));
  return out;
}

/// The keys of a one-line JSON object, in the order they were written.
std::vector<std::string> keys_of(const std::string& line) {
  std::vector<std::string> out;
  auto parsed = boost::json::parse(line);
  for (const auto& kv : parsed.as_object()) out.emplace_back(kv.key());
  return out;
}

TEST(log, writes_one_json_object_per_line_with_the_fixed_keys_first) {
  auto lines = lines_of([] {
    cleave::log("info", "store", "listening", {{"address", "127.0.0.1:7101"}, {"n", 3}});
    cleave::log("warning", "store", "quote \" and\nnewline");
  });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(keys_of(lines[0]),
            (std::vector<std::string>{"time", "level", "node", "msg", "address", "n"}));
  auto first = boost::json::parse(lines[0]).as_object();
  EXPECT_TRUE(std::regex_match(std::string{first.at("time").as_string()},
                               std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"}))
      << first.at("time");
  EXPECT_EQ(first.at("level"), "info");
  EXPECT_EQ(first.at("address"), "127.0.0.1:7101");
  EXPECT_EQ(first.at("n"), 3);
  EXPECT_EQ(boost::json::parse(lines[1]).at("msg"), "quote \" and\nnewline");
}

TEST(log, a_field_named_like_a_fixed_key_gives_its_value_in_place) {
  auto lines = lines_of([] { cleave::log("info", "a", "m", {{"z", 1}, {"node", "b"}}); });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(keys_of(lines[0]), (std::vector<std::string>{"time", "level", "node", "msg", "z"}));
  EXPECT_EQ(boost::json::parse(lines[0]).at("node"), "b");
}

TEST(log, lines_written_for_a_request_name_it_after_the_message) {
  auto lines = lines_of([] {
    cleave::request_scope scope{"req-7", std::chrono::steady_clock::time_point::max()};
    cleave::log("info", "a", "m", {{"x", true}});
    cleave::log("info", "a", "m", {{"x", true}, {"request_id", "req-7"}});
  });
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) {
    EXPECT_EQ(keys_of(line),
              (std::vector<std::string>{"time", "level", "node", "msg", "request_id", "x"}))
        << line;
    EXPECT_EQ(boost::json::parse(line).at("request_id"), "req-7");
  }
  auto outside = lines_of([] { cleave::log("info", "a", "m"); });
  ASSERT_EQ(outside.size(), 1u);
  EXPECT_EQ(keys_of(outside[0]), (std::vector<std::string>{"time", "level", "node", "msg"}));
}

TEST(log_limiter, admits_a_burst_up_to_its_rate_then_says_how_many_it_left_out) {
  cleave::log_limiter limiter{20};
  int admitted = 0;
  for (int i = 0; i < 25; ++i) {
    boost::json::object fields;
    if (limiter.admit(fields)) ++admitted;
  }
  // The 25 tries take far less than the one-second window.
  EXPECT_EQ(admitted, 20);
  // The next window admits again, and the first line of it counts what was left out.
  boost::json::object next;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  bool again = false;
  while (!again && std::chrono::steady_clock::now() < deadline) {
    next = {};
    again = limiter.admit(next);
    if (!again) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval
  }
  ASSERT_TRUE(again);
  ASSERT_TRUE(next.contains("not_logged_before"));
  EXPECT_GE(next.at("not_logged_before").to_number<int64_t>(), 5);
}

}  // namespace
