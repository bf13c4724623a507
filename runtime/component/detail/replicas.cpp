#include "runtime/component/detail/replicas.hpp"

#include <algorithm>
#include <random>

#include "runtime/component/detail/directory.hpp"

namespace cleave::detail {

namespace {

/// 0: in rotation (here, or connected), 1: not reached yet, 2: known to be down, 3: to avoid.
int rank_of(const replica_member& m, const std::vector<caf::actor>& avoid) {
  if (!avoid.empty() && std::find(avoid.begin(), avoid.end(), m.handle) != avoid.end()) return 3;
  if (!m.link) return 0;
  switch (m.link->state()) {
    case remote_link::state_kind::connected:
      return 0;
    case remote_link::state_kind::unknown:
      return 1;
    case remote_link::state_kind::down:
      break;
  }
  return 2;
}

uint64_t random_draw() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return rng();
}

}  // namespace

balance_policy balance_policy_of(const std::string& name) {
  if (name == "least-outstanding") return balance_policy::least_outstanding;
  if (name == "random") return balance_policy::random;
  return balance_policy::round_robin;
}

const replica_member& replica_set::pick(const std::vector<caf::actor>& avoid) const {
  auto n = members_.size();
  if (n == 1) return members_.front();
  // The best rank present, and how many members have it.
  int best = 4;
  size_t count = 0;
  for (const auto& m : members_) {
    auto r = rank_of(m, avoid);
    if (r < best) {
      best = r;
      count = 0;
    }
    if (r == best) ++count;
  }
  auto start = policy_ == balance_policy::random ? random_draw() : next_.fetch_add(1);
  if (policy_ == balance_policy::least_outstanding) {
    // The fewest outstanding calls, looking from a rotating start so that ties take turns.
    const replica_member* chosen = nullptr;
    int64_t fewest = 0;
    for (size_t i = 0; i < n; ++i) {
      const auto& m = members_[(start + i) % n];
      if (rank_of(m, avoid) != best) continue;
      auto load = m.outstanding->load(std::memory_order_relaxed);
      if (chosen == nullptr || load < fewest) {
        chosen = &m;
        fewest = load;
      }
    }
    // Ranks may change meanwhile (a forwarder's thread): then any member will do.
    return chosen != nullptr ? *chosen : members_.front();
  }
  // The k-th member of the best rank: an even spread over those in rotation.
  auto k = start % count;
  for (const auto& m : members_)
    if (rank_of(m, avoid) == best && k-- == 0) return m;
  return members_.front();
}

std::shared_ptr<const replica_set> replica_set::with(replica_member m) const {
  auto members = members_;
  members.push_back(std::move(m));
  return std::make_shared<const replica_set>(policy_, std::move(members));
}

}  // namespace cleave::detail
