// The counter component, called by name as the gateway would call it.
#include "actors/counter/counter.hpp"

#include <limits>

#include <gtest/gtest.h>

#include "runtime/testkit/test_node.hpp"

namespace {

TEST(counter, keeps_a_running_total) {
  cleave::test_node node{{counter::counter_component()}};
  auto first = node.call("counter", counter::add{2});
  ASSERT_TRUE(first) << cleave::describe(first.error());
  EXPECT_EQ(first->v, 2);
  auto second = node.call("counter", counter::add{-5});
  ASSERT_TRUE(second) << cleave::describe(second.error());
  EXPECT_EQ(second->v, -3);
}

TEST(counter, refuses_an_overflow_and_keeps_the_total) {
  cleave::test_node node{{counter::counter_component()}};
  ASSERT_TRUE(node.call("counter", counter::add{std::numeric_limits<int64_t>::max()}));
  auto over = node.call("counter", counter::add{1});
  ASSERT_FALSE(over);
  EXPECT_EQ(cleave::describe(over.error()),
            "invalid_argument: field \"v\": the total would overflow");
  auto same = node.call("counter", counter::add{0});
  ASSERT_TRUE(same) << cleave::describe(same.error());
  EXPECT_EQ(same->v, std::numeric_limits<int64_t>::max());
}

}  // namespace
