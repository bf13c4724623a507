// What a peer could send to any actor it reaches, delivered straight into a component's mailbox
// (as CAF's network layer does): the component drops it and keeps serving.
#include "runtime/component/detail/guarded_actor.hpp"

#include <gtest/gtest.h>

#include <caf/exit_reason.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>
#include <caf/system_messages.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/component/test_components.hpp"

namespace {

using namespace component_test;
using namespace std::chrono_literals;

std::vector<cleave::component> echo_only() {
  return {echo_component()};
}

caf::actor echo_instance(cleave::test_node& node) {
  return cleave::detail::resolve(node.system(), "echo").local;
}

TEST(guarded_actor, a_message_claiming_a_stream_category_is_dropped_not_fatal) {
  // CAF 0.17 files a message by its id's category; a downstream one without stream content made
  // the actor's thread read a null element and end the process (found by tests/fuzz).
  cleave::test_node node{echo_only()};
  auto echo_actor = echo_instance(node);
  ASSERT_TRUE(echo_actor);
  for (auto category :
       {caf::message_id::upstream_message_category, caf::message_id::downstream_message_category}) {
    auto mid = caf::make_message_id().with_category(category);
    echo_actor->enqueue(caf::make_mailbox_element(nullptr, mid, {}, caf::make_message()), nullptr);
  }
  auto r = node.call("echo", echo{"still here"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->text, "still here");
}

TEST(guarded_actor, an_anonymous_kill_is_dropped_and_stop_actor_stops_it) {
  cleave::test_node node{echo_only()};
  auto echo_actor = echo_instance(node);
  ASSERT_TRUE(echo_actor);
  caf::anon_send_exit(echo_actor, caf::exit_reason::kill);
  auto r = node.call("echo", echo{"after kill"});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  caf::scoped_actor self{node.system()};
  self->monitor(echo_actor);
  caf::anon_send(echo_actor, cleave::detail::stop_actor{});
  bool down = false;
  self->receive(
      [&](const caf::down_msg& dm) { down = dm.reason == caf::exit_reason::user_shutdown; },
      caf::after(5s) >> [] {});
  EXPECT_TRUE(down) << "stop_actor did not stop the component";
}

}  // namespace
