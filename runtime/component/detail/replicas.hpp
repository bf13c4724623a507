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
  replica_set(balance_policy policy, std::vector<replica_member> members,
              std::string route_by = {});

  /// The member the next call goes to (there is at least one), preferring members whose handle
  /// is not in `avoid` (those a failed call was sent to).
  const replica_member& pick(const std::vector<caf::actor>& avoid = {}) const;

  /// The member that serves `key`: the first member in rotation clockwise from the key's hash on
  /// a ring of points that depends on the members' node names only, so that every caller agrees
  /// and a member's absence moves only its own keys. A member never reached yet keeps its keys
  /// (calls wait for it, as for a single node), one known to be down does not.
  const replica_member& pick_for_key(const std::string& key,
                                     const std::vector<caf::actor>& avoid = {}) const;

  const std::vector<replica_member>& members() const { return members_; }
  balance_policy policy() const { return policy_; }
  const std::string& route_by() const { return route_by_; }

  /// A copy with `m` added.
  std::shared_ptr<const replica_set> with(replica_member m) const;

 private:
  balance_policy policy_;
  std::vector<replica_member> members_;
  std::string route_by_;
  /// (hash, member index), sorted: the ring of keyed routing (empty when not keyed).
  std::vector<std::pair<uint64_t, uint32_t>> ring_;
  mutable std::atomic<uint64_t> next_{0};
};

}  // namespace cleave::detail
