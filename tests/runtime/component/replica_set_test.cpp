// Keyed routing over replicas (runtime/component/detail/replicas.hpp): a key stays on one replica,
// keys spread over the replicas, and a replica known to be down gives up only its own keys, which
// come back when it returns.
#include "runtime/component/detail/replicas.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include "runtime/component/detail/directory.hpp"

namespace {

using cleave::detail::balance_policy;
using cleave::detail::remote_link;
using cleave::detail::replica_member;
using cleave::detail::replica_set;

struct keyed_replicas : ::testing::Test {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor stand_in = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });

  replica_set make(const std::vector<std::string>& nodes, bool keys_stay = false) {
    std::vector<replica_member> members;
    for (const auto& n : nodes) {
      replica_member m;
      m.node = n;
      m.link = std::make_shared<remote_link>();
      m.link->set(stand_in);  // connected
      members.push_back(std::move(m));
    }
    return replica_set{balance_policy::round_robin, std::move(members), "id", keys_stay};
  }

  /// key -> node, for keys "k0" .. "k<n-1>".
  static std::map<std::string, std::string> owners(const replica_set& r, int n = 3000) {
    std::map<std::string, std::string> out;
    for (int i = 0; i < n; ++i) {
      auto key = "k" + std::to_string(i);
      out[key] = r.pick_for_key(key).node;
    }
    return out;
  }

  ~keyed_replicas() override { caf::anon_send_exit(stand_in, caf::exit_reason::user_shutdown); }
};

TEST_F(keyed_replicas, a_key_always_reaches_the_same_replica_whatever_the_members_order) {
  auto r = make({"a", "b", "c"});
  auto again = make({"c", "a", "b"});  // another caller, members listed in another order
  EXPECT_EQ(owners(r), owners(again));
  auto first = r.pick_for_key("user-42").node;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(r.pick_for_key("user-42").node, first);
}

TEST_F(keyed_replicas, keys_spread_over_the_replicas) {
  auto r = make({"a", "b", "c"});
  std::map<std::string, int> per_node;
  for (const auto& [key, node] : owners(r)) ++per_node[node];
  ASSERT_EQ(per_node.size(), 3u);
  for (const auto& [node, n] : per_node) {
    EXPECT_GT(n, 3000 / 3 * 6 / 10) << node;
    EXPECT_LT(n, 3000 / 3 * 14 / 10) << node;
  }
}

TEST_F(keyed_replicas, a_replica_down_gives_up_only_its_own_keys_and_gets_them_back) {
  auto r = make({"a", "b", "c"});
  auto before = owners(r);
  r.members()[1].link->mark_down();  // "b"
  auto during = owners(r);
  int moved = 0;
  for (const auto& [key, node] : before) {
    if (node == "b") {
      EXPECT_NE(during[key], "b") << key;
      ++moved;
    } else {
      EXPECT_EQ(during[key], node) << key << " moved though its replica stayed";
    }
  }
  EXPECT_GT(moved, 0);
  r.members()[1].link->set(stand_in);  // back
  EXPECT_EQ(owners(r), before);
}

TEST_F(keyed_replicas, a_replica_never_reached_yet_keeps_its_keys) {
  auto r = make({"a", "b"});
  auto before = owners(r);
  std::vector<replica_member> members = r.members();
  members[0].link = std::make_shared<remote_link>();  // "a": not connected yet, not known down
  replica_set starting{balance_policy::round_robin, members, "id"};
  EXPECT_EQ(owners(starting), before);
}

TEST_F(keyed_replicas, keys_of_a_replica_with_state_stay_with_it_while_it_is_down) {
  auto r = make({"a", "b", "c"}, true);
  auto before = owners(r);
  r.members()[1].link->mark_down();  // "b": its records are in its file and nowhere else
  EXPECT_EQ(owners(r), before);
}

TEST_F(keyed_replicas, an_instance_knows_the_keys_it_owns_as_its_callers_route_them) {
  auto r = make({"a", "b", "c"});
  cleave::detail::key_ring ring{{"a", "b", "c"}};
  const std::vector<std::string> names{"a", "b", "c"};
  for (const auto& [key, node] : owners(r)) EXPECT_EQ(names[ring.owner(key)], node) << key;
}

}  // namespace
