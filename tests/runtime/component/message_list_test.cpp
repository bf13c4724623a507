// The message list of component::make cannot drift from the handlers unnoticed: a component whose
// handlers take a message the list leaves out does not start (it would work in one process and
// fail once split), and the test kit encodes every call, so a member left out of a message's
// declaration shows in a test, not only in a split deployment.
#include <gtest/gtest.h>

#include <string>

#include "runtime/component/component.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/message.hpp"
#include "runtime/testkit/test_node.hpp"

namespace list_test {

struct greeting {
  std::string text;
};
CLEAVE_MESSAGE(greeting, text)

struct greet {
  std::string name;
  using response = greeting;
};
CLEAVE_MESSAGE(greet, name)

struct wave {
  std::string name;
  using response = greeting;
};
CLEAVE_MESSAGE(wave, name)

/// A message whose declaration forgets a member: `punctuation` never crosses a node.
struct shout {
  std::string name;
  std::string punctuation;
  using response = greeting;
};
CLEAVE_MESSAGE(shout, name)

caf::behavior greeter(caf::event_based_actor*, const cleave::component_context&) {
  return cleave::handlers([](const greet& g) { return greeting{"hello " + g.name}; },
                          [](const wave& w) { return greeting{"bye " + w.name}; },
                          [](const shout& s) { return greeting{s.name + s.punctuation}; });
}

}  // namespace list_test

namespace {

using namespace list_test;

TEST(message_list, a_handled_message_missing_from_the_list_fails_the_start_naming_it) {
  auto incomplete = cleave::component::make<greet, shout>("greeter", greeter);
  try {
    cleave::test_node node{{incomplete}};
    FAIL() << "a component that handles an unlisted message must not start";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string{e.what()},
              "test_node: internal: greeter failed to start: its handlers take wave, which its "
              "component::make<...> list does not name; list every message the component "
              "handles, so that every node can encode it");
  }
}

TEST(message_list, a_complete_list_starts) {
  cleave::test_node node{{cleave::component::make<greet, wave, shout>("greeter", greeter)}};
  auto r = node.call("greeter", wave{"ann"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "bye ann");
}

TEST(message_list, the_test_kit_encodes_calls_so_a_member_left_out_of_a_declaration_shows) {
  auto component = cleave::component::make<greet, wave, shout>("greeter", greeter);
  cleave::test_node encoded{{component}};
  auto r = encoded.call("greeter", shout{"ann", "!"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "ann") << "the member missing from CLEAVE_MESSAGE must be lost, as on a split";

  cleave::test_options in_process;
  in_process.serialize = false;
  cleave::test_node plain{{component}, in_process};
  auto p = plain.call("greeter", shout{"ann", "!"});
  ASSERT_TRUE(p) << cleave::describe(p.error());
  EXPECT_EQ(p->text, "ann!") << "without encoding, the gap is invisible";
}

}  // namespace
