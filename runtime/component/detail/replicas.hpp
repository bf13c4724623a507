// A replicated component as its callers see it: one member per replica (the instance on this
// node, or a forwarder to one on another node), and the choice of the member each call goes to.
//
// A member is in rotation while its forwarder is connected. One whose node is known to be down (a
// refused connect, a lost connection) gets no new calls until its forwarder reconnects in the
// background; one never reached yet gets calls only when no member is connected. When every
// member is down the call goes to one anyway, whose forwarder fails it at once with `unavailable`.
//
//   "round-robin"        each call to the next member in rotation
//   "least-outstanding"  to the member with the fewest calls from this node waiting for an answer
//                        (ties: round-robin), so a slow or stuck replica gets less
//   "random"             to a member in rotation drawn at random
//
// With "route_by" calls are keyed instead (pick_for_key): the same key goes to the same replica.
// A keyed component that keeps state (a placement "state") keeps its keys while its replica is
// down: its records are there and nowhere else, so a call fails with `unavailable` rather than
// reach a replica that would answer without them.
// With "breaker" each caller keeps a circuit breaker per replica on another node; a component
// with a breaker on a single other node is a set of one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>

#include "runtime/metrics/registry.hpp"
#include "runtime/middleware/circuit_breaker.hpp"

namespace cleave::detail {

class remote_link;

/// The consistent-hash ring of keyed routing: points that depend on the owners' names only, so
/// that every process that knows the names agrees on a key's owner without talking to the others,
/// and an owner's absence moves only its own keys.
class key_ring {
 public:
  key_ring() = default;
  explicit key_ring(const std::vector<std::string>& owners);

  bool empty() const { return points_.empty(); }

  /// The index (into the owners given) of the first owner clockwise from `key`'s hash for which
  /// `eligible(index)` holds; the first owner's index if none does.
  template <class Eligible>
  uint32_t owner(const std::string& key, Eligible&& eligible) const {
    auto start = first_point(key);
    for (size_t i = 0; i < points_.size(); ++i) {
      auto index = points_[(start + i) % points_.size()].second;
      if (eligible(index)) return index;
    }
    return 0;
  }
  /// The owner of `key` when every owner is present.
  uint32_t owner(const std::string& key) const {
    return owner(key, [](uint32_t) { return true; });
  }

 private:
  size_t first_point(const std::string& key) const;

  /// (hash, owner index), sorted.
  std::vector<std::pair<uint64_t, uint32_t>> points_;
};

enum class balance_policy { round_robin, least_outstanding, random };

/// The policy named `name` in a placement ("round-robin" if the name is unknown).
balance_policy balance_policy_of(const std::string& name);

/// Calls from this node to one member that wait for an answer.
using outstanding_calls = std::atomic<int64_t>;

struct replica_member {
  /// The node it runs on.
  std::string node;
  /// What calls are sent to: the instance here, or the forwarder to another node.
  caf::actor handle;
  bool forwarder = false;
  /// The instance on this node (null if it runs elsewhere).
  caf::actor local;
  /// The forwarder's connection (null for the instance on this node).
  std::shared_ptr<remote_link> link;
  std::shared_ptr<outstanding_calls> outstanding = std::make_shared<outstanding_calls>(0);
  /// This caller's circuit breaker for the replica ("breaker" in the placement; null: none). An
  /// open one takes the replica out of rotation as a known-down one is.
  std::shared_ptr<middleware::breaker> breaker;
  /// Calls (and attempts) this node sent to the replica: cleave_replica_calls_total in /metrics.
  std::optional<metrics::counter> sent;
};

class replica_set {
 public:
  /// `route_by`: the request member that keys calls ("" = balanced by `policy` only).
  /// `keys_stay`: a key goes to its owner on the ring even while the owner is down.
  replica_set(balance_policy policy, std::vector<replica_member> members, std::string route_by = {},
              bool keys_stay = false);

  /// The member the next call goes to (there is at least one), preferring members whose handle
  /// is not in `avoid` (those a failed call was sent to).
  const replica_member& pick(const std::vector<caf::actor>& avoid = {}) const;

  /// The member that serves `key`: the first member in rotation clockwise from the key's hash on
  /// a ring of points that depends on the members' node names only, so that every caller agrees
  /// and a member's absence moves only its own keys. A member never reached yet keeps its keys
  /// (calls wait for it, as for a single node), one known to be down does not, unless keys stay.
  const replica_member& pick_for_key(const std::string& key,
                                     const std::vector<caf::actor>& avoid = {}) const;

  const std::vector<replica_member>& members() const { return members_; }
  balance_policy policy() const { return policy_; }
  const std::string& route_by() const { return route_by_; }
  bool keys_stay() const { return keys_stay_; }

  /// A copy with `m` added.
  std::shared_ptr<const replica_set> with(replica_member m) const;

 private:
  balance_policy policy_;
  std::vector<replica_member> members_;
  std::string route_by_;
  bool keys_stay_ = false;
  /// The ring of keyed routing over the members' node names (empty when not keyed).
  key_ring ring_;
  mutable std::atomic<uint64_t> next_{0};
};

}  // namespace cleave::detail
