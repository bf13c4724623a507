// Shop's components together: an order checks its user, takes its stock in one transaction and
// is stored, and its notification follows from the "order-created" event; refusals are clear
// and take nothing; everything acknowledged is still there after a restart on the same files.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "actors/shop/shop.hpp"
#include "runtime/core/error.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"

namespace {

using namespace std::chrono_literals;
using cleave::errc;

class shop_test : public ::testing::Test {
 protected:
  shop_test() {
    for (const char* c : {"users", "products", "orders", "notifications"})
      opts_.states[c] = dir_.path() + "/data/" + c + ".db";
    start();
  }

  void start() {
    node_.reset();
    node_ = std::make_unique<cleave::test_node>(shop::components(), opts_);
  }

  cleave::test_node& n() { return *node_; }

  template <class T>
  T ok(caf::expected<T> r) {
    if (!r) throw std::runtime_error(cleave::describe(r.error()));
    return std::move(*r);
  }

  /// The notifications of `user`, polled until there are `count` (events are one-way).
  shop::notification_list notifications(const std::string& user, size_t count) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    shop::notification_list got;
    do {
      got = ok(n().call("notifications", shop::get_notifications{user}));
    } while (got.items.size() < count && std::chrono::steady_clock::now() < deadline);
    return got;
  }

  cleave_test::temp_dir dir_;
  cleave::test_options opts_;
  std::unique_ptr<cleave::test_node> node_;
};

TEST_F(shop_test, an_order_takes_its_stock_and_is_notified) {
  auto ann = ok(n().call("users", shop::create_user{"Ann", "ann@example.org"}));
  EXPECT_EQ(ann.id, "u1");
  auto tea = ok(n().call("products", shop::create_product{"tea", 350, 5}));
  EXPECT_EQ(tea.id, "p1");
  auto o = ok(n().call("orders", shop::place_order{ann.id, tea.id, 2}));
  EXPECT_EQ(o.id, "o1");
  EXPECT_EQ(o.total_cents, 700);
  EXPECT_EQ(ok(n().call("products", shop::get_product{tea.id})).stock, 3);
  EXPECT_EQ(ok(n().call("orders", shop::get_order{o.id})).quantity, 2);
  auto notes = notifications(ann.id, 1);
  ASSERT_EQ(notes.items.size(), 1U);
  EXPECT_EQ(notes.items[0].order_id, "o1");
  EXPECT_EQ(notes.items[0].text, "order o1: 2 x p1");
}

TEST_F(shop_test, refused_orders_say_why_and_take_nothing) {
  auto ann = ok(n().call("users", shop::create_user{"Ann", "ann@example.org"}));
  auto tea = ok(n().call("products", shop::create_product{"tea", 350, 1}));
  auto too_many = n().call("orders", shop::place_order{ann.id, tea.id, 2});
  ASSERT_FALSE(too_many);
  EXPECT_TRUE(cleave::is(too_many.error(), errc::failed_precondition))
      << cleave::describe(too_many.error());
  EXPECT_NE(
      cleave::describe(too_many.error()).find("out of stock: product \"p1\" has 1, 2 asked for"),
      std::string::npos)
      << cleave::describe(too_many.error());
  auto stranger = n().call("orders", shop::place_order{"u9", tea.id, 1});
  ASSERT_FALSE(stranger);
  EXPECT_TRUE(cleave::is(stranger.error(), errc::not_found)) << cleave::describe(stranger.error());
  auto nothing = n().call("orders", shop::place_order{ann.id, "p9", 1});
  ASSERT_FALSE(nothing);
  EXPECT_TRUE(cleave::is(nothing.error(), errc::not_found)) << cleave::describe(nothing.error());
  auto zero = n().call("orders", shop::place_order{ann.id, tea.id, 0});
  ASSERT_FALSE(zero);
  EXPECT_TRUE(cleave::is(zero.error(), errc::invalid_argument)) << cleave::describe(zero.error());
  auto bad_email = n().call("users", shop::create_user{"Bob", "bob"});
  ASSERT_FALSE(bad_email);
  EXPECT_NE(cleave::describe(bad_email.error()).find("field \"email\": not an address"),
            std::string::npos);
  EXPECT_EQ(ok(n().call("products", shop::get_product{tea.id})).stock, 1);
  EXPECT_TRUE(cleave::is(n().call("orders", shop::get_order{"o1"}).error(), errc::not_found));
}

TEST_F(shop_test, a_reservation_retried_for_the_same_order_takes_stock_once) {
  auto tea = ok(n().call("products", shop::create_product{"tea", 350, 5}));
  ok(n().call("products", shop::reserve_stock{tea.id, 2, "o7"}));
  EXPECT_EQ(ok(n().call("products", shop::reserve_stock{tea.id, 2, "o7"})).stock, 3);
  ok(n().call("products", shop::release_stock{tea.id, "o7"}));
  EXPECT_EQ(ok(n().call("products", shop::release_stock{tea.id, "o7"})).stock, 5);
}

TEST_F(shop_test, what_was_acknowledged_is_there_after_a_restart) {
  auto ann = ok(n().call("users", shop::create_user{"Ann", "ann@example.org"}));
  auto tea = ok(n().call("products", shop::create_product{"tea", 350, 5}));
  auto o = ok(n().call("orders", shop::place_order{ann.id, tea.id, 2}));
  ASSERT_EQ(notifications(ann.id, 1).items.size(), 1U);
  start();
  EXPECT_EQ(ok(n().call("users", shop::get_user{ann.id})).email, "ann@example.org");
  EXPECT_EQ(ok(n().call("products", shop::get_product{tea.id})).stock, 3);
  EXPECT_EQ(ok(n().call("orders", shop::get_order{o.id})).total_cents, 700);
  EXPECT_EQ(notifications(ann.id, 1).items.size(), 1U);
  // Ids go on from where they were: none is handed out twice.
  EXPECT_EQ(ok(n().call("users", shop::create_user{"Bob", "bob@example.org"})).id, "u2");
  EXPECT_EQ(ok(n().call("orders", shop::place_order{ann.id, tea.id, 1})).id, "o2");
}

}  // namespace
