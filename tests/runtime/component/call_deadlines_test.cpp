// The table that fails event-based calls at their deadlines (instead of CAF's clock).
#include "runtime/component/detail/call_deadlines.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/delegated.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using cleave::detail::call_deadlines;

/// When a call failed, and with what.
struct failure {
  caf::error error;
  clock_type::time_point at;
};

/// Polls (at most 5 s) until `table` holds `n` deadlines.
bool poll_size(call_deadlines& table, size_t n) {
  auto deadline = clock_type::now() + 5s;
  while (table.size() != n) {
    if (clock_type::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

class call_deadlines_test : public ::testing::Test {
 protected:
  /// Makes a call to an actor that never answers, with no CAF timeout, its deadline in `table`
  /// at `due`; the future holds the call's failure.
  std::future<failure> silent_call(call_deadlines& table, clock_type::time_point due,
                                   const void* tag = nullptr, uint64_t epoch = 0) {
    auto result = std::make_shared<std::promise<failure>>();
    auto out = result->get_future();
    callers.push_back(sys.spawn(
        [&table, due, tag, epoch, result, this](caf::event_based_actor* self) -> caf::behavior {
          auto handle = self->request(silent, caf::infinite, 1);
          table.add(self->ctrl(), handle.id(), due, tag, epoch);
          std::move(handle).then(
              [self, result](int) {
                result->set_value({caf::error{}, clock_type::now()});
                self->quit();
              },
              [self, result](caf::error& err) {
                result->set_value({std::move(err), clock_type::now()});
                self->quit();
              });
          // Lives until the call ends (a tests' end ends it too).
          return {[](const std::string&) {
          }};
        }));
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  // Takes every request and never answers (nor fails) it.
  caf::actor silent = sys.spawn([]() -> caf::behavior {
    return {[](int) -> caf::result<int> {
      return caf::delegated<int>{};
    }};
  });

  void TearDown() override {
    caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
    // Callers still waiting (a deadline a minute away) end with the test.
    for (const auto& c : callers) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  }

  std::vector<caf::actor> callers;
};

TEST_F(call_deadlines_test, fails_a_call_at_its_deadline_as_a_request_timeout) {
  call_deadlines table;
  auto start = clock_type::now();
  auto failed = silent_call(table, start + 30ms);
  ASSERT_EQ(failed.wait_for(5s), std::future_status::ready) << "the call never failed";
  auto f = failed.get();
  EXPECT_EQ(f.error, caf::sec::request_timeout);
  EXPECT_GE(f.at - start, 30ms) << "failed before its deadline";
  EXPECT_EQ(table.size(), 0u);
}

TEST_F(call_deadlines_test, an_earlier_deadline_wakes_the_table) {
  call_deadlines table;
  auto start = clock_type::now();
  auto late = silent_call(table, start + 60s);
  auto early = silent_call(table, start + 20ms);
  ASSERT_EQ(early.wait_for(5s), std::future_status::ready)
      << "the table slept until the later deadline";
  EXPECT_EQ(early.get().error, caf::sec::request_timeout);
  EXPECT_EQ(late.wait_for(0s), std::future_status::timeout) << "the later call failed early";
  EXPECT_EQ(table.size(), 1u);
}

TEST_F(call_deadlines_test, a_lost_connection_fails_its_calls_at_once_and_later_ones_too) {
  call_deadlines table;
  int link = 0;  // stands for a connection: only its address is used
  int other = 0;
  auto due = clock_type::now() + 60s;
  auto on_link = silent_call(table, due, &link, 0);
  auto elsewhere = silent_call(table, due, &other, 0);
  ASSERT_TRUE(poll_size(table, 2u));
  auto lost = caf::make_error(caf::sec::cannot_connect_to_node, "connection lost");
  table.fail_tagged(&link, 1, lost);
  ASSERT_EQ(on_link.wait_for(5s), std::future_status::ready) << "the call was not failed";
  EXPECT_EQ(on_link.get().error, lost);
  EXPECT_EQ(elsewhere.wait_for(0s), std::future_status::timeout)
      << "a call on another connection failed";
  // A call that chose the connection before it was lost (epoch 0) fails as it registers.
  auto late = silent_call(table, due, &link, 0);
  ASSERT_EQ(late.wait_for(5s), std::future_status::ready) << "the late call was not failed";
  EXPECT_EQ(late.get().error, lost);
  EXPECT_EQ(table.size(), 1u) << "only the call on the other connection is left";
  table.forget_tag(&link);
}

TEST_F(call_deadlines_test, removed_deadlines_leave_nothing_behind) {
  call_deadlines table;
  std::vector<call_deadlines::ticket> tickets;
  auto due = clock_type::now() + 60s;
  for (uint64_t i = 0; i < 1000; ++i)
    tickets.push_back(table.add(nullptr, caf::make_message_id(i).response_id(), due));
  EXPECT_EQ(table.size(), 1000u) << "equal deadlines are kept apart";
  for (const auto& t : tickets) table.remove(t);
  EXPECT_EQ(table.size(), 0u);
  table.remove(tickets.front());  // removing twice (a reply after the deadline) is harmless
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
