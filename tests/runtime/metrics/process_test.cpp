#include "runtime/metrics/process.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace cm = cleave::metrics;

namespace {

TEST(process, parses_statm) {
  EXPECT_EQ(cm::parse_statm_resident_pages("1234 567 89 10 0 11 0\n"), 567u);
  EXPECT_EQ(cm::parse_statm_resident_pages("1234\n"), std::nullopt);
  EXPECT_EQ(cm::parse_statm_resident_pages(""), std::nullopt);
  EXPECT_EQ(cm::parse_statm_resident_pages("1 x 3"), std::nullopt);
}

TEST(process, parses_status_threads) {
  EXPECT_EQ(cm::parse_status_threads("Name:\tapp\nState:\tS\nThreads:\t17\nSigQ:\t0/1\n"), 17u);
  EXPECT_EQ(cm::parse_status_threads("Threads:\t3"), 3u);
  EXPECT_EQ(cm::parse_status_threads("Name:\tapp\n"), std::nullopt);
}

TEST(process, parses_stat_start_time_even_with_odd_command_names) {
  // Fields 3..22 after the command; starttime (field 22) is 4242.
  const char* rest = " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 4242 99 100\n";
  EXPECT_EQ(cm::parse_stat_start_ticks(std::string{"123 (app)"} + rest), 4242u);
  EXPECT_EQ(cm::parse_stat_start_ticks(std::string{"123 (a b) c))"} + rest), 4242u);
  EXPECT_EQ(cm::parse_stat_start_ticks("123 (app) S 1 2"), std::nullopt);
  EXPECT_EQ(cm::parse_stat_start_ticks("no parens"), std::nullopt);
}

TEST(process, reads_this_process) {
  auto before = cm::read_process_stats();
  EXPECT_GT(before.resident_memory_bytes, 0u);
  EXPECT_GE(before.threads, 1u);
  EXPECT_GE(before.uptime_seconds, 0.0);
  EXPECT_LT(before.uptime_seconds, 3600.0);  // this test binary did not start an hour ago

  // One more thread shows up in the count (the thread waits, so it is alive while we read).
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::thread t{[&] {
    std::unique_lock<std::mutex> lock{m};
    cv.wait(lock, [&] { return release; });
  }};
  auto during = cm::read_process_stats();
  {
    std::lock_guard<std::mutex> lock{m};
    release = true;
  }
  cv.notify_one();
  t.join();
  EXPECT_EQ(during.threads, before.threads + 1);
}

}  // namespace
