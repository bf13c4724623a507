// Events published in a transaction (the store's outbox), the subscriber's duplicate check, the
// placement's topics as a node checks them, and a "nats" topic in-process against a real
// nats-server: an event whose handler failed comes again, and is handled once.
#include <gtest/gtest.h>

#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/component/detail/outbox.hpp"
#include "runtime/component/events.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/core/error.hpp"
#include "runtime/placement/placement.hpp"
#include "runtime/state/state.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/integration/nats_server.hpp"
#include "tests/runtime/events/news.hpp"

namespace {

using namespace std::chrono_literals;
using events_test::news;
using events_test::news_list;
using events_test::read_news;

/// To "ledger": store `text` and publish it on "news" in the same transaction, then fail the
/// transaction if `fail` (rolled back: neither stored nor published).
struct record {
  std::string text;
  bool fail = false;
  using response = void;
};
CLEAVE_MESSAGE(record, text, fail)

cleave::component ledger_component() {
  return cleave::component::make<record>(
      "ledger", [](caf::event_based_actor*, const cleave::component_context& ctx) {
        auto st = ctx.state();
        return cleave::handlers([st](const record& r) -> caf::result<void> {
          auto err = st->transact([&](cleave::state_view& tx) -> caf::error {
            if (auto e = tx.put("texts", r.text, news{r.text})) return e;
            if (auto e = cleave::publish(tx, "news", news{r.text})) return e;
            if (r.fail) return cleave::make_error(cleave::errc::invalid_argument, "told to fail");
            return caf::none;
          });
          if (err) return err;
          return caf::unit;
        });
      });
}

/// A reader whose handler fails the first delivery of each event and keeps the second.
struct flaky_state {
  std::map<std::string, int> deliveries;
  std::vector<news> kept;
};

cleave::component flaky_reader_component() {
  return cleave::component::make<news, read_news>(
             "flaky-reader",
             [](caf::stateful_actor<flaky_state>* self, const cleave::component_context&) {
               return cleave::handlers(
                   [self](const news& n) -> caf::result<void> {
                     if (++self->state.deliveries[cleave::current_event_id()] == 1)
                       return cleave::make_error(cleave::errc::unavailable, "not this time");
                     self->state.kept.push_back(n);
                     return caf::unit;
                   },
                   [self](const read_news&) { return news_list{self->state.kept}; });
             })
      .subscribe<news>("news");
}

std::vector<std::string> texts_of(cleave::test_node& n, const std::string& reader, size_t count) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::vector<std::string> out;
  do {
    out.clear();
    auto r = n.call(reader, read_news{});
    if (r)
      for (const auto& item : r->items) out.push_back(item.text);
  } while (out.size() < count && std::chrono::steady_clock::now() < deadline);
  return out;
}

cleave::placement plan_of(const std::string& text) {
  cleave::placement_options opts;
  opts.getenv = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
  auto p = cleave::parse_placement(text, "test.json", opts);
  if (!p) throw std::runtime_error(cleave::describe(p.error()));
  return *p;
}

TEST(outbox, an_event_published_in_a_transaction_is_sent_if_and_only_if_it_commits) {
  cleave_test::temp_dir dir;
  cleave::test_options opts;
  opts.states["ledger"] = dir.path() + "/ledger.db";
  cleave::test_node n{{ledger_component(), events_test::reader_component("reader-a")}, opts};
  EXPECT_TRUE(n.call("ledger", record{"one", false}));
  auto refused = n.call("ledger", record{"two", true});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(cleave::is(refused.error(), cleave::errc::invalid_argument));
  EXPECT_TRUE(n.call("ledger", record{"three", false}));
  EXPECT_EQ(texts_of(n, "reader-a", 2), (std::vector<std::string>{"one", "three"}));
  // Handed on: the outbox is empty again (the relay removes an entry after sending it).
  auto st = cleave::open_state(opts.states["ledger"]);
  ASSERT_TRUE(st);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  size_t left = 0;
  do {
    auto entries = (*st)->list<cleave::detail::outbox_entry>(cleave::detail::outbox_collection);
    ASSERT_TRUE(entries);
    left = entries->size();
  } while (left > 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(left, 0U);
}

TEST(outbox, what_a_node_left_in_its_outbox_is_sent_when_it_starts_again) {
  cleave_test::temp_dir dir;
  auto file = dir.path() + "/ledger.db";
  {
    // As a node that died after committing, before its relay handed the event on.
    auto st = cleave::open_state(file);
    ASSERT_TRUE(st);
    ASSERT_FALSE(
        (*st)->put(cleave::detail::outbox_collection, "00000000000000000001",
                   cleave::detail::outbox_entry{"news", "news", "e-1", R"({"text":"left"})"}));
  }
  cleave::test_options opts;
  opts.states["ledger"] = file;
  cleave::test_node n{{ledger_component(), events_test::reader_component("reader-a")}, opts};
  EXPECT_EQ(texts_of(n, "reader-a", 1), (std::vector<std::string>{"left"}));
}

TEST(first_delivery, marks_an_event_once_and_only_when_its_transaction_commits) {
  cleave_test::temp_dir dir;
  auto st = cleave::open_state(dir.path() + "/s.db");
  ASSERT_TRUE(st);
  auto first = [&](const std::string& id, bool commit) {
    bool out = false;
    auto err = (*st)->transact([&](cleave::state_view& tx) -> caf::error {
      auto f = cleave::first_delivery(tx, id);
      if (!f) return f.error();
      out = *f;
      return commit ? caf::none : cleave::make_error(cleave::errc::internal, "rolled back");
    });
    EXPECT_EQ(static_cast<bool>(err), !commit);
    return out;
  };
  EXPECT_TRUE(first("e1", true));
  EXPECT_FALSE(first("e1", true));
  EXPECT_TRUE(first("e2", false));  // rolled back: not marked
  EXPECT_TRUE(first("e2", true));
  EXPECT_FALSE(first("e2", true));
}

TEST(topics, a_topic_no_component_subscribes_to_is_refused_at_start) {
  auto plan = plan_of(R"({"app": "news", "nodes": {"main": {"host": "127.0.0.1"}},
      "components": {"newsroom": {"node": "main"}, "reader-a": {"node": "main"}},
      "topics": {"newz": {"transport": "cluster"}}})");
  try {
    cleave::test_node n{
        {events_test::newsroom_component(), events_test::reader_component("reader-a")},
        plan,
        "main"};
    FAIL() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string{e.what()}.find(
            R"(test.json: topics.newz: no component of the app subscribes to it (its topics: "news"); did you mean "news"?)"),
        std::string::npos)
        << e.what();
  }
}

TEST(nats_topic, an_event_whose_handler_failed_comes_again_and_is_handled_once) {
  cleave_test::nats_server nats;
  auto plan = plan_of(R"({"app": "news", "nodes": {"main": {"host": "127.0.0.1"}},
      "components": {"newsroom": {"node": "main"}, "reader-a": {"node": "main"},
                     "flaky-reader": {"node": "main"}},
      "topics": {"news": {"transport": "nats", "url": ")" +
                      nats.url() + R"(", "ack_wait_ms": 2000}}})");
  cleave::test_node n{{events_test::newsroom_component(), events_test::reader_component("reader-a"),
                       flaky_reader_component()},
                      plan,
                      "main"};
  for (const char* text : {"one", "two", "three"})
    ASSERT_TRUE(n.call("newsroom", events_test::announce{text})) << nats.report();
  std::vector<std::string> all{"one", "two", "three"};
  EXPECT_EQ(texts_of(n, "reader-a", 3), all);
  // Each failed once (nak), came back a second later, and was kept once.
  auto flaky = texts_of(n, "flaky-reader", 3);
  std::sort(flaky.begin(), flaky.end());
  EXPECT_EQ(flaky, (std::vector<std::string>{"one", "three", "two"}));
}

TEST(nats_topic, a_node_that_cannot_reach_nats_for_its_subscription_says_so) {
  auto port = cleave_test::free_port();
  auto plan = plan_of(R"({"app": "news", "nodes": {"main": {"host": "127.0.0.1"}},
      "components": {"newsroom": {"node": "main"}, "reader-a": {"node": "main"}},
      "topics": {"news": {"transport": "nats", "url": "nats://127.0.0.1:)" +
                      std::to_string(port) + R"("}}})");
  try {
    cleave::test_node n{
        {events_test::newsroom_component(), events_test::reader_component("reader-a")},
        plan,
        "main"};
    FAIL() << "started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("reader-a failed to start: it subscribes to \"news\", "
                                         "whose events are in NATS: NATS at nats://127.0.0.1:" +
                                         std::to_string(port)),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string{e.what()}.find("(placement: topics.news.url)"), std::string::npos)
        << e.what();
  }
}

}  // namespace
