// The state store: values committed before a write returns, kept across a reopen (a restarted
// node); transactions all or nothing; precise errors for a file that is not a database and a
// folder that cannot be made; a component given its store by the placement.
#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "runtime/core/error.hpp"
#include "runtime/core/message.hpp"
#include "runtime/state/state.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/testkit/test_node.hpp"
#include "tests/runtime/state/tally.hpp"

namespace state_test {

struct other {
  std::string name;
};
CLEAVE_MESSAGE(other, name)

}  // namespace state_test

namespace {

using cleave::errc;
using state_test::item;

std::unique_ptr<cleave::state> open_or_fail(const std::string& path) {
  auto st = cleave::open_state(path);
  if (!st) throw std::runtime_error(cleave::describe(st.error()));
  return std::move(*st);
}

TEST(state, a_value_put_is_read_back_and_kept_after_a_reopen) {
  cleave_test::temp_dir dir;
  auto path = dir.path() + "/data/items.db";  // the folder is made
  {
    auto st = open_or_fail(path);
    ASSERT_FALSE(st->put("items", "a", item{"a", 3}));
    ASSERT_FALSE(st->put("items", "b", item{"b", 4}));
    ASSERT_FALSE(st->put("items", "a", item{"a", 5}));  // replaces
    auto missing = st->get<item>("items", "zz");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
    auto erased = st->erase("items", "b");
    ASSERT_TRUE(erased);
    EXPECT_TRUE(*erased);
    EXPECT_FALSE(*st->erase("items", "b"));
  }
  auto st = open_or_fail(path);
  auto a = st->get<item>("items", "a");
  ASSERT_TRUE(a && *a) << (a ? "absent" : cleave::describe(a.error()));
  EXPECT_EQ((*a)->count, 5);
  auto all = st->list<item>("items");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1U);
  EXPECT_EQ(all->front().first, "a");
  // Collections are apart: the same key elsewhere is another value.
  EXPECT_FALSE(*st->get<item>("other-items", "a"));
}

TEST(state, a_transaction_commits_all_its_writes_or_none) {
  cleave_test::temp_dir dir;
  auto path = dir.path() + "/t.db";
  auto st = open_or_fail(path);
  ASSERT_FALSE(st->put("stock", "apple", item{"apple", 2}));
  auto reserve = [&](int64_t n) {
    return st->transact([&](cleave::state_view& tx) -> caf::error {
      auto p = tx.get<item>("stock", "apple");
      if (!p) return p.error();
      if (!*p || (*p)->count < n)
        return cleave::make_error(errc::failed_precondition, "out of stock");
      (*p)->count -= n;
      if (auto err = tx.put("stock", "apple", **p)) return err;
      return tx.put("orders", "o" + std::to_string(n), item{"apple", n});
    });
  };
  EXPECT_FALSE(reserve(2));
  auto refused = reserve(1);
  EXPECT_TRUE(cleave::is(refused, errc::failed_precondition)) << cleave::describe(refused);
  auto thrown = st->transact([&](cleave::state_view& tx) -> caf::error {
    if (auto err = tx.put("stock", "apple", item{"apple", 100})) return err;
    throw std::runtime_error("boom");
  });
  EXPECT_TRUE(cleave::is(thrown, errc::internal)) << cleave::describe(thrown);
  st.reset();
  auto again = open_or_fail(path);
  EXPECT_EQ((*again->get<item>("stock", "apple"))->count, 0);  // the thrown write is gone
  EXPECT_TRUE(*again->get<item>("orders", "o2"));
  EXPECT_FALSE(*again->get<item>("orders", "o1"));
}

TEST(state, a_value_stored_as_another_type_is_an_internal_error_naming_it) {
  cleave_test::temp_dir dir;
  auto st = open_or_fail(dir.path() + "/x.db");
  ASSERT_FALSE(st->put("things", "k", state_test::other{"n"}));
  auto wrong = st->get<item>("things", "k");
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(cleave::is(wrong.error(), errc::internal));
  EXPECT_NE(cleave::describe(wrong.error()).find("state things/k does not decode"),
            std::string::npos)
      << cleave::describe(wrong.error());
}

TEST(state, a_file_that_is_not_a_database_is_refused_naming_it) {
  cleave_test::temp_dir dir;
  auto path = dir.write("users.db", "these are not the pages of a database\n");
  auto st = cleave::open_state(path);
  ASSERT_FALSE(st);
  auto text = cleave::describe(st.error());
  EXPECT_NE(text.find("state " + path + ": "), std::string::npos) << text;
  EXPECT_NE(text.find("file is not a database"), std::string::npos) << text;
}

TEST(state, a_folder_that_cannot_be_made_is_refused_naming_it) {
  cleave_test::temp_dir dir;
  auto blocker = dir.write("not-a-folder", "a file where the folder would go\n");
  auto st = cleave::open_state(blocker + "/data/users.db");
  ASSERT_FALSE(st);
  auto text = cleave::describe(st.error());
  EXPECT_TRUE(cleave::is(st.error(), errc::unavailable)) << text;
  EXPECT_NE(text.find("cannot make the folder " + blocker + "/data: Not a directory"),
            std::string::npos)
      << text;
}

// A 1 MiB tmpfs, mounted in a mount namespace of this thread's own (root only): a write that
// does not fit is refused as `unavailable` (it did not happen), reads go on, and once space is
// freed the same store writes again and keeps everything it acknowledged.
TEST(state, a_full_disk_refuses_writes_as_unavailable_and_the_store_recovers) {
  if (::unshare(CLONE_NEWNS) != 0)
    GTEST_SKIP() << "needs a mount namespace (root): " << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
      << std::strerror(errno);
  cleave_test::temp_dir dir;
  ASSERT_EQ(::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
  // Unmounted before `dir` is removed, whatever the outcome.
  struct unmount_at_end {
    std::string path;
    ~unmount_at_end() { ::umount(path.c_str()); }
  } unmount{dir.path()};
  auto filler = dir.path() + "/filler";
  {
    std::ofstream out{filler};
    out << std::string(600 * 1024, 'x');
  }
  size_t acknowledged = 0;
  caf::error refused;
  {
    auto st = open_or_fail(dir.path() + "/items.db");
    for (size_t i = 0; i < 10000 && !refused; ++i) {
      refused = st->put("items", "k" + std::to_string(i), item{std::string(2000, 'v'), int64_t(i)});
      if (!refused) ++acknowledged;
    }
    ASSERT_TRUE(refused) << "1 MiB never filled up";
    std::cout << "[figure] a 1 MiB tmpfs with 600 KiB taken: " << acknowledged
              << " writes of 2 KB acknowledged, then " << cleave::describe(refused) << "\n";
    EXPECT_TRUE(cleave::is(refused, errc::unavailable)) << cleave::describe(refused);
    EXPECT_NE(cleave::describe(refused).find("database or disk is full"), std::string::npos)
        << cleave::describe(refused);
    auto listed = st->list<item>("items");
    ASSERT_TRUE(listed) << cleave::describe(listed.error());
    EXPECT_EQ(listed->size(), acknowledged);
    std::filesystem::remove(filler);
    EXPECT_FALSE(st->put("items", "after", item{"after", 1}));
  }
  auto reopened = open_or_fail(dir.path() + "/items.db");
  auto listed = reopened->list<item>("items");
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  EXPECT_EQ(listed->size(), acknowledged + 1);
}

// -- a component with a store ---------------------------------------------------------------------

using state_test::tally_component;

TEST(state_component, keeps_what_it_committed_across_a_restart_of_its_node) {
  cleave_test::temp_dir dir;
  cleave::test_options opts;
  opts.states["tally"] = dir.path() + "/tally.db";
  {
    cleave::test_node n{{tally_component()}, opts};
    ASSERT_TRUE(n.call("tally", state_test::bump{"x", 2}));
    auto r = n.call("tally", state_test::bump{"x", 3});
    ASSERT_TRUE(r) << cleave::describe(r.error());
    EXPECT_EQ(r->count, 5);
  }
  cleave::test_node restarted{{tally_component()}, opts};
  auto r = restarted.call("tally", state_test::bump{"x", 1});
  ASSERT_TRUE(r) << cleave::describe(r.error());
  EXPECT_EQ(r->count, 6);
}

TEST(state_component, without_a_store_in_the_placement_the_node_does_not_start) {
  try {
    cleave::test_node n{{tally_component()}};
    FAIL() << "started without a store";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find(
                  "tally failed to start: it keeps state, but the placement gives it no store: "
                  "add \"state\": \"data/tally.db\" to components.tally"),
              std::string::npos)
        << e.what();
  }
}

TEST(state_component, a_store_that_cannot_open_fails_the_start_naming_the_placement_field) {
  cleave_test::temp_dir dir;
  cleave::test_options opts;
  opts.states["tally"] = dir.write("tally.db", "not a database\n");
  try {
    cleave::test_node n{{tally_component()}, opts};
    FAIL() << "started on a file that is not a database";
  } catch (const std::runtime_error& e) {
    std::string text = e.what();
    EXPECT_NE(text.find("tally failed to start: "), std::string::npos) << text;
    EXPECT_NE(text.find("file is not a database (placement: components.tally.state)"),
              std::string::npos)
        << text;
  }
}

}  // namespace
