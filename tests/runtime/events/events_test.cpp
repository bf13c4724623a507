// Events over the "cluster" transport: every subscribed component gets each event once, in
// order, in one process, encoded as if split, and across processes; a subscription without a
// handler for its event stops the node from starting.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/core/error.hpp"
#include "runtime/testkit/deployment.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/events/news.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using events_test::news_list;
using events_test::read_news;

/// What `reader` has received, polled until it has `count` events or 5 s have passed (events are
/// one-way: the publisher's answer does not wait for them).
news_list read_when(cleave::test_node& n, const std::string& reader, size_t count) {
  auto deadline = clock_type::now() + 5s;
  news_list got;
  do {
    auto r = n.call(reader, read_news{});
    if (r) got = *r;
  } while (got.items.size() < count && clock_type::now() < deadline);
  return got;
}

std::vector<std::string> texts(const news_list& l) {
  std::vector<std::string> out;
  for (const auto& n : l.items) out.push_back(n.text);
  return out;
}

class events_everywhere : public ::testing::TestWithParam<cleave::deployment> {};

TEST_P(events_everywhere, each_subscriber_gets_every_event_once_in_order) {
  // Multi-process: the readers on a node of their own, the newsroom in the test's node.
  cleave::app_under_test app{"cleave_events_app",
                             EVENTS_APP,
                             events_test::all_components(),
                             {{"reader-a", "readers"}, {"reader-b", "readers"}}};
  cleave::deployed d{GetParam(), app};
  for (const char* text : {"one", "two", "three"}) {
    auto r = d.caller().call("newsroom", events_test::announce{text});
    ASSERT_TRUE(r) << cleave::describe(r.error()) << d.report();
  }
  std::vector<std::string> expected{"one", "two", "three"};
  EXPECT_EQ(texts(read_when(d.caller(), "reader-a", 3)), expected) << d.report();
  EXPECT_EQ(texts(read_when(d.caller(), "reader-b", 3)), expected) << d.report();
}

INSTANTIATE_TEST_SUITE_P(all, events_everywhere, ::testing::ValuesIn(cleave::all_deployments),
                         cleave::deployment_name{});

// docs/events.md: with the cluster transport an event published while a subscriber's node is
// down is lost for it (at most once), and the publisher is not held up.
TEST(events, an_event_published_while_the_subscribers_node_is_down_is_lost_for_it) {
  cleave_test::temp_dir dir;
  auto file = dir.write("news.json", R"({"app": "cleave_events_app",
    "defaults": {"timeout_ms": 1000},
    "nodes": {"caller": {"host": "127.0.0.1"}, "readers": {"host": "127.0.0.1"}},
    "components": {"newsroom": {"node": "caller"}, "reader-a": {"node": "readers"},
                   "reader-b": {"node": "readers"}}})");
  cleave_test::cluster nodes{EVENTS_APP, file, {"caller", "readers"}};
  nodes.start("readers");
  ASSERT_TRUE(nodes.wait_listening("readers", 10s)) << nodes.report();
  cleave::placement_options opts;
  opts.app = "cleave_events_app";
  for (const auto& c : events_test::all_components()) opts.known_components.push_back(c.name());
  cleave::test_node caller{events_test::all_components(), nodes.plan(opts), "caller"};
  ASSERT_TRUE(caller.call("newsroom", events_test::announce{"before"}));
  ASSERT_EQ(texts(read_when(caller, "reader-a", 1)), std::vector<std::string>{"before"});

  nodes.at("readers").signal(SIGKILL);
  ASSERT_TRUE(nodes.at("readers").wait(10s)) << nodes.report();
  auto during = caller.call("newsroom", events_test::announce{"while down"});
  EXPECT_TRUE(during) << "the publisher waits for no subscriber: "
                      << cleave::describe(during.error());

  nodes.start("readers");
  ASSERT_TRUE(nodes.wait_listening("readers", 10s)) << nodes.report();
  // Until the caller is connected again, "after" may be lost too: announce until it arrives.
  news_list got;
  auto deadline = clock_type::now() + 10s;
  do {
    ASSERT_TRUE(caller.call("newsroom", events_test::announce{"after"}));
    got = read_when(caller, "reader-a", 1);
  } while (got.items.empty() && clock_type::now() < deadline);
  ASSERT_FALSE(got.items.empty()) << nodes.report();
  for (const auto& text : texts(got)) EXPECT_EQ(text, "after") << "an event from while it was down";
}

TEST(events, a_topic_nobody_subscribes_to_takes_the_event_and_nothing_happens) {
  cleave::test_node n{{events_test::newsroom_component()}};
  auto r = n.call("newsroom", events_test::announce{"into the void"});
  EXPECT_TRUE(r) << cleave::describe(r.error());
}

TEST(events, a_subscription_without_a_handler_for_its_event_fails_the_start) {
  try {
    cleave::test_node n{{events_test::newsroom_component(), events_test::deaf_reader_component()}};
    FAIL() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("deaf-reader failed to start: it subscribes to \"news\" "
                                         "with news, which none of its handlers takes"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
