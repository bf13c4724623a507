// The JetStream client of "nats" event topics (runtime/events/detail/nats_client.hpp) against a
// real nats-server -js started per test (tests/integration/nats_server.hpp): connect errors,
// publish acks and deduplication, durable pull consumers (ack, nak, redelivery, rebinding) and a
// server killed and restarted under a live connection.
#include "runtime/events/detail/nats_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/core/error.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "tests/integration/nats_server.hpp"

namespace {

using namespace std::chrono_literals;
using cleave::describe;
using cleave::errc;
using cleave::detail::nats_connection;
using cleave::detail::nats_consumer;
using cleave::detail::nats_delivery;
using clock_type = std::chrono::steady_clock;

using connection_ptr = std::shared_ptr<nats_connection>;

std::chrono::milliseconds since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
}

std::vector<std::string> payloads(const std::vector<nats_delivery>& ds) {
  std::vector<std::string> out;
  out.reserve(ds.size());
  for (const auto& d : ds) out.emplace_back(d.payload());
  return out;
}

class nats_client : public ::testing::Test {
 protected:
  /// A connection to the test's server; fails the test if there is none.
  connection_ptr connect() {
    auto nc = nats_connection::connect({server_.url(), 2000ms, "nats_client_test"});
    EXPECT_TRUE(nc) << describe(nc.error()) << server_.report();
    return nc ? *nc : nullptr;
  }

  /// Fetches until `count` messages arrived (or 5 s passed), then checks that no more come.
  static std::vector<nats_delivery> fetch_exactly(nats_consumer& c, size_t count) {
    auto out = fetch(c, count);
    auto more = c.fetch(10, 300ms);
    EXPECT_TRUE(more) << describe(more.error());
    if (more) EXPECT_EQ(payloads(*more), std::vector<std::string>{}) << "more than " << count;
    return out;
  }

  /// Fetches until `count` messages arrived (or 5 s passed).
  static std::vector<nats_delivery> fetch(nats_consumer& c, size_t count) {
    std::vector<nats_delivery> out;
    auto deadline = clock_type::now() + 5s;
    while (out.size() < count && clock_type::now() < deadline) {
      auto batch = c.fetch(static_cast<int>(count - out.size()), 500ms);
      EXPECT_TRUE(batch) << describe(batch.error());
      if (!batch) return out;
      for (auto& d : *batch) out.push_back(std::move(d));
    }
    return out;
  }

  cleave_test::nats_server server_;
};

TEST_F(nats_client, connect_to_a_port_nobody_listens_on_is_unavailable_at_once) {
  auto url = "nats://127.0.0.1:" + std::to_string(cleave_test::free_port());
  auto start = clock_type::now();
  auto nc = nats_connection::connect({url, 2000ms, "nats_client_test"});
  auto took = since(start);
  ASSERT_FALSE(nc);
  EXPECT_TRUE(cleave::is(nc.error(), errc::unavailable)) << describe(nc.error());
  EXPECT_EQ(cleave::what(nc.error()), "NATS at " + url + ": no server available for connection");
  EXPECT_LT(took, 500ms);
}

TEST_F(nats_client, publish_is_acked_with_its_sequence_and_a_repeated_msg_id_is_a_duplicate) {
  auto nc = connect();
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->connected());
  EXPECT_EQ(nc->url(), server_.url());
  ASSERT_EQ(nc->ensure_stream("ORDERS", {"orders.>"}), caf::none);
  auto first = nc->publish("orders.created", "order 42", "order-42", {}, 2s);
  ASSERT_TRUE(first) << describe(first.error());
  EXPECT_EQ(first->sequence, 1u);
  EXPECT_FALSE(first->duplicate);
  auto again = nc->publish("orders.created", "order 42", "order-42", {}, 2s);
  ASSERT_TRUE(again) << describe(again.error());
  EXPECT_EQ(again->sequence, 1u);
  EXPECT_TRUE(again->duplicate);
  auto reader = nc->durable_consumer("ORDERS", "orders.>", "count", 30s);
  ASSERT_TRUE(reader) << describe(reader.error());
  EXPECT_EQ(payloads(fetch_exactly(**reader, 1)), std::vector<std::string>{"order 42"});
  auto next = nc->publish("orders.created", "order 43", "order-43", {}, 2s);
  ASSERT_TRUE(next) << describe(next.error());
  EXPECT_EQ(next->sequence, 2u);
  EXPECT_FALSE(next->duplicate);
}

TEST_F(nats_client, ensure_stream_updates_a_stream_and_reports_what_the_server_refuses) {
  auto nc = connect();
  ASSERT_TRUE(nc);
  ASSERT_EQ(nc->ensure_stream("ORDERS", {"orders.a"}), caf::none);
  EXPECT_EQ(nc->ensure_stream("ORDERS", {"orders.a"}), caf::none) << "not idempotent";
  // Before the update nothing stores orders.b.
  auto lost = nc->publish("orders.b", "b", "b-0", {}, 2s);
  ASSERT_FALSE(lost);
  EXPECT_TRUE(cleave::is(lost.error(), errc::unavailable)) << describe(lost.error());
  ASSERT_EQ(nc->ensure_stream("ORDERS", {"orders.a", "orders.b"}), caf::none);
  auto stored = nc->publish("orders.b", "b", "b-1", {}, 2s);
  ASSERT_TRUE(stored) << describe(stored.error());
  EXPECT_EQ(stored->sequence, 1u);
  // A second stream on a subject of the first: the server's own words come back.
  auto overlap = nc->ensure_stream("OTHER", {"orders.b"});
  EXPECT_TRUE(cleave::is(overlap, errc::internal)) << describe(overlap);
  EXPECT_NE(cleave::what(overlap).find("overlap"), std::string::npos) << describe(overlap);
  EXPECT_NE(cleave::what(overlap).find("OTHER"), std::string::npos) << describe(overlap);
  auto missing = nc->durable_consumer("NOPE", "nope.a", "reader", 30s);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(cleave::is(missing.error(), errc::not_found)) << describe(missing.error());
  // Refused before they reach the server.
  EXPECT_TRUE(cleave::is(nc->ensure_stream("A.B", {"x"}), errc::invalid_argument));
  EXPECT_TRUE(cleave::is(nc->ensure_stream("S", {}), errc::invalid_argument));
  auto empty = nc->publish("", "x", "e-1", {}, 2s);
  ASSERT_FALSE(empty);
  EXPECT_TRUE(cleave::is(empty.error(), errc::invalid_argument)) << describe(empty.error());
  // nats-server's default max_payload is 1 MiB.
  auto big = nc->publish("orders.a", std::string(2 << 20, 'x'), "big-1", {}, 2s);
  ASSERT_FALSE(big);
  EXPECT_TRUE(cleave::is(big.error(), errc::invalid_argument)) << describe(big.error());
  // Both left the connection usable.
  auto after = nc->publish("orders.a", "a", "a-1", {}, 2s);
  EXPECT_TRUE(after) << describe(after.error());
}

TEST_F(nats_client, a_fetched_message_carries_payload_msg_id_and_headers_and_an_ack_is_final) {
  auto nc = connect();
  ASSERT_TRUE(nc);
  ASSERT_EQ(nc->ensure_stream("NEWS", {"news.*"}), caf::none);
  auto reader = nc->durable_consumer("NEWS", "news.*", "reader", 500ms);
  ASSERT_TRUE(reader) << describe(reader.error());
  auto none = (*reader)->fetch(1, 100ms);
  ASSERT_TRUE(none) << describe(none.error());
  EXPECT_TRUE(none->empty()) << "from an empty stream";
  auto ack = nc->publish("news.sport", R"({"text":"goal"})", "news-7",
                         {{"Content-Type", "application/json"}, {"X-Trace", "t-1"}}, 2s);
  ASSERT_TRUE(ack) << describe(ack.error());
  auto got = fetch_exactly(**reader, 1);
  ASSERT_EQ(got.size(), 1u);
  auto& d = got[0];
  EXPECT_EQ(d.subject(), "news.sport");
  EXPECT_EQ(d.payload(), R"({"text":"goal"})");
  EXPECT_EQ(d.msg_id(), "news-7");
  EXPECT_EQ(d.header("Content-Type"), "application/json");
  EXPECT_EQ(d.header("X-Trace"), "t-1");
  EXPECT_EQ(d.header("X-Missing"), "");
  EXPECT_EQ(d.stream_sequence(), 1u);
  EXPECT_EQ(d.delivered(), 1u);
  ASSERT_EQ(d.ack(), caf::none);
  // Three times the ack wait: an unacked message would be back by now.
  auto later = (*reader)->fetch(1, 1500ms);
  ASSERT_TRUE(later) << describe(later.error());
  EXPECT_EQ(payloads(*later), std::vector<std::string>{});
}

TEST_F(nats_client, a_nak_redelivers_at_once_or_after_its_delay) {
  auto nc = connect();
  ASSERT_TRUE(nc);
  ASSERT_EQ(nc->ensure_stream("NEWS", {"news.*"}), caf::none);
  ASSERT_TRUE(nc->publish("news.sport", "goal", "news-1", {}, 2s));
  // A long ack wait: what comes back early came back because of the nak.
  auto reader = nc->durable_consumer("NEWS", "news.*", "reader", 30s);
  ASSERT_TRUE(reader) << describe(reader.error());
  auto first = fetch_exactly(**reader, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].delivered(), 1u);
  ASSERT_EQ(first[0].nak(), caf::none);
  auto second = (*reader)->fetch(1, 2s);
  ASSERT_TRUE(second) << describe(second.error());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].payload(), "goal");
  EXPECT_EQ((*second)[0].delivered(), 2u);
  auto nak_at = clock_type::now();
  ASSERT_EQ((*second)[0].nak(600ms), caf::none);
  auto early = (*reader)->fetch(1, 200ms);
  ASSERT_TRUE(early) << describe(early.error());
  EXPECT_TRUE(early->empty()) << "redelivered before its nak delay";
  auto third = (*reader)->fetch(1, 3s);
  ASSERT_TRUE(third) << describe(third.error());
  ASSERT_EQ(third->size(), 1u);
  EXPECT_EQ((*third)[0].delivered(), 3u);
  EXPECT_GE(since(nak_at), 550ms);
  EXPECT_EQ((*third)[0].ack(), caf::none);
}

TEST_F(nats_client, an_unacked_message_comes_back_after_the_ack_wait) {
  auto nc = connect();
  ASSERT_TRUE(nc);
  ASSERT_EQ(nc->ensure_stream("NEWS", {"news.*"}), caf::none);
  ASSERT_TRUE(nc->publish("news.sport", "goal", "news-1", {}, 2s));
  auto reader = nc->durable_consumer("NEWS", "news.*", "reader", 500ms);
  ASSERT_TRUE(reader) << describe(reader.error());
  auto fetched_at = clock_type::now();
  {
    auto first = fetch_exactly(**reader, 1);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].delivered(), 1u);
  }  // destroyed unacked
  auto again = (*reader)->fetch(1, 3s);
  ASSERT_TRUE(again) << describe(again.error());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].payload(), "goal");
  EXPECT_EQ((*again)[0].delivered(), 2u);
  EXPECT_GE(since(fetched_at), 450ms);
}

TEST_F(nats_client, a_durable_consumer_bound_again_continues_after_the_acked_messages) {
  {
    auto nc = connect();
    ASSERT_TRUE(nc);
    ASSERT_EQ(nc->ensure_stream("NEWS", {"news.*"}), caf::none);
    for (int i = 1; i <= 5; ++i) {
      auto ack =
          nc->publish("news.sport", "m" + std::to_string(i), "n-" + std::to_string(i), {}, 2s);
      ASSERT_TRUE(ack) << describe(ack.error());
    }
    auto reader = nc->durable_consumer("NEWS", "news.*", "reader", 30s);
    ASSERT_TRUE(reader) << describe(reader.error());
    // Not fetch_exactly: m4 and m5 must stay undelivered.
    auto got = fetch(**reader, 3);
    ASSERT_EQ(payloads(got), (std::vector<std::string>{"m1", "m2", "m3"}));
    for (auto& d : got) ASSERT_EQ(d.ack(), caf::none);
  }  // consumer, deliveries and connection gone
  auto nc = connect();
  ASSERT_TRUE(nc);
  auto reader = nc->durable_consumer("NEWS", "news.*", "reader", 30s);
  ASSERT_TRUE(reader) << describe(reader.error());
  auto rest = fetch_exactly(**reader, 2);
  ASSERT_EQ(payloads(rest), (std::vector<std::string>{"m4", "m5"}));
  EXPECT_EQ(rest[0].stream_sequence(), 4u);
  EXPECT_EQ(rest[0].delivered(), 1u);
}

TEST_F(nats_client, a_publish_while_the_server_is_down_is_outcome_unknown_and_then_resumes) {
  auto nc = connect();
  ASSERT_TRUE(nc);
  ASSERT_EQ(nc->ensure_stream("NEWS", {"news.*"}), caf::none);
  for (int i = 1; i <= 3; ++i) {
    auto ack = nc->publish("news.sport", "m" + std::to_string(i), "n-" + std::to_string(i), {}, 2s);
    ASSERT_TRUE(ack) << describe(ack.error());
  }
  auto reader = nc->durable_consumer("NEWS", "news.*", "reader", 30s);
  ASSERT_TRUE(reader) << describe(reader.error());

  server_.kill();
  auto start = clock_type::now();
  auto during = nc->publish("news.sport", "during", "n-during", {}, 500ms);
  auto took = since(start);
  ASSERT_FALSE(during);
  EXPECT_TRUE(cleave::is(during.error(), errc::outcome_unknown)) << describe(during.error());
  EXPECT_NE(cleave::what(during.error()).find("may have been applied"), std::string::npos)
      << describe(during.error());
  EXPECT_NE(cleave::what(during.error()).find(server_.url()), std::string::npos)
      << describe(during.error());
  // Within its wait: at its end when the client had seen the connection go (the request waits in
  // the reconnect buffer), at once when the write itself broke; outcome unknown either way.
  EXPECT_LT(took, 1500ms);
  auto down_deadline = clock_type::now() + 5s;
  while (nc->connected() && clock_type::now() < down_deadline) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(nc->connected());
  // A fetch while down: nothing, or unavailable, never a hang.
  auto fetch_start = clock_type::now();
  auto down_fetch = (*reader)->fetch(1, 300ms);
  EXPECT_LT(since(fetch_start), 1000ms);
  if (!down_fetch)
    EXPECT_TRUE(cleave::is(down_fetch.error(), errc::unavailable)) << describe(down_fetch.error());
  else
    EXPECT_TRUE(down_fetch->empty());

  server_.restart();
  // The same connection reconnects by itself; the retry with the same msg id stores it once.
  caf::expected<cleave::detail::publish_ack> retry = cleave::make_error(errc::unavailable, "");
  auto up_deadline = clock_type::now() + 10s;
  do {
    retry = nc->publish("news.sport", "during", "n-during", {}, 500ms);
  } while (!retry && clock_type::now() < up_deadline);
  ASSERT_TRUE(retry) << describe(retry.error()) << server_.report();
  EXPECT_EQ(retry->sequence, 4u);
  EXPECT_TRUE(nc->connected());
  // The server acked m1..m3 before the kill: they are still there, and "during" once.
  auto got = fetch_exactly(**reader, 4);
  EXPECT_EQ(payloads(got), (std::vector<std::string>{"m1", "m2", "m3", "during"}))
      << server_.report();
}

}  // namespace
