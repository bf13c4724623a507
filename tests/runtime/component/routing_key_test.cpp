// The key of a request for keyed routing (runtime/component/detail/routing_key.hpp).
#include "runtime/component/detail/routing_key.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "runtime/core/message.hpp"

namespace routing_test {

struct account {
  std::string id;
  std::string owner;
};
CLEAVE_MESSAGE(account, id, owner)

struct open_account {
  account item;
  int64_t deposit = 0;
};
CLEAVE_MESSAGE(open_account, item, deposit)

struct by_number {
  int64_t id = 0;
};
CLEAVE_MESSAGE(by_number, id)

struct list_accounts {};
CLEAVE_MESSAGE(list_accounts)

struct flagged {
  bool id = false;
};
CLEAVE_MESSAGE(flagged, id)

}  // namespace routing_test

namespace {

using cleave::detail::routing_key;
using namespace routing_test;

TEST(routing_key, a_top_level_member_by_name) {
  EXPECT_EQ(routing_key(account{"a-1", "x"}, "id"), "a-1");
  EXPECT_EQ(routing_key(account{"a-1", "x"}, "owner"), "x");
}

TEST(routing_key, an_integer_member_as_its_decimal_text) {
  EXPECT_EQ(routing_key(by_number{42}, "id"), "42");
}

TEST(routing_key, the_member_of_a_message_inside_the_request) {
  EXPECT_EQ(routing_key(open_account{{"a-7", "y"}, 10}, "id"), "a-7");
}

TEST(routing_key, none_when_no_member_has_the_name_or_it_cannot_be_a_key) {
  EXPECT_EQ(routing_key(list_accounts{}, "id"), std::nullopt);
  EXPECT_EQ(routing_key(account{"a-1", "x"}, "name"), std::nullopt);
  EXPECT_EQ(routing_key(flagged{true}, "id"), std::nullopt);
}

}  // namespace
