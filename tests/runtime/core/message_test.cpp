// The wire side of a message declaration: CAF's binary encoding round-trips every member kind.
#include "runtime/core/message.hpp"

#include <gtest/gtest.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

#include "tests/runtime/core/test_messages.hpp"

namespace {

using core_test::shape;

template <class T>
T wire_round_trip(const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto copy = x;
  EXPECT_FALSE(sink(copy));
  T out{};
  caf::binary_deserializer source{nullptr, buf};
  EXPECT_FALSE(source(out));
  return out;
}

TEST(message, binary_round_trip_keeps_every_member) {
  auto s = core_test::sample_shape();
  EXPECT_EQ(wire_round_trip(s), s);
  s.center.reset();
  s.label = "named";
  EXPECT_EQ(wire_round_trip(s), s);
}

TEST(message, empty_message_round_trips) {
  (void)wire_round_trip(core_test::empty_message{});
}

TEST(message, portable_name_and_printing) {
  EXPECT_STREQ(cleave::message_name<shape>(), "shape");
  auto text = caf::deep_to_string(core_test::point{1, 2});
  EXPECT_NE(text.find("point"), std::string::npos) << text;
  EXPECT_NE(text.find('2'), std::string::npos) << text;
}

TEST(message, registered_type_travels_inside_a_caf_message) {
  caf::actor_system_config cfg;
  cfg.add_message_type<shape>("shape");
  caf::actor_system sys{cfg};
  auto msg = caf::make_message(core_test::sample_shape());
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  ASSERT_FALSE(sink(msg));
  caf::message back;
  caf::binary_deserializer source{sys, buf};
  ASSERT_FALSE(source(back));
  ASSERT_TRUE(back.match_elements<shape>()) << caf::to_string(back);
  EXPECT_EQ(back.get_as<shape>(0), core_test::sample_shape());
}

}  // namespace
