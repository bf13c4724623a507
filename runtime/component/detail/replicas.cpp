#include "runtime/component/detail/replicas.hpp"

#include <algorithm>
#include <random>
#include <string_view>

#include "runtime/component/detail/directory.hpp"

namespace cleave::detail {

namespace {

/// 0: in rotation (here, or connected), 1: not reached yet, 2: known to be down, 3: to avoid.
int rank_of(const replica_member& m, const std::vector<caf::actor>& avoid) {
  if (!avoid.empty() && std::find(avoid.begin(), avoid.end(), m.handle) != avoid.end()) return 3;
  if (m.breaker && m.breaker->current() == middleware::breaker::state::open) return 2;
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

/// Keyed routing's rank: a member never reached yet keeps its keys.
int keyed_rank_of(const replica_member& m, const std::vector<caf::actor>& avoid) {
  auto r = rank_of(m, avoid);
  return r == 1 ? 0 : r;
}

/// FNV-1a: the same in every process and build, unlike std::hash.
uint64_t stable_hash(std::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  // FNV's low bits mix poorly for short keys: finish with a 64-bit mixer (splitmix64).
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

/// Points per member on the ring: enough for an even share of keys with a few members.
constexpr uint32_t points_per_member = 64;

uint64_t random_draw() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return rng();
}

}  // namespace

key_ring::key_ring(const std::vector<std::string>& owners) {
  for (uint32_t i = 0; i < owners.size(); ++i)
    for (uint32_t p = 0; p < points_per_member; ++p)
      points_.emplace_back(stable_hash(owners[i] + "#" + std::to_string(p)), i);
  std::sort(points_.begin(), points_.end());
}

size_t key_ring::first_point(const std::string& key) const {
  auto at = std::lower_bound(points_.begin(), points_.end(),
                             std::make_pair(stable_hash(key), uint32_t{0}));
  return static_cast<size_t>(at - points_.begin());
}

replica_set::replica_set(balance_policy policy, std::vector<replica_member> members,
                         std::string route_by, bool keys_stay)
    : policy_(policy),
      members_(std::move(members)),
      route_by_(std::move(route_by)),
      keys_stay_(keys_stay) {
  if (route_by_.empty()) return;
  std::vector<std::string> names;
  names.reserve(members_.size());
  for (const auto& m : members_) names.push_back(m.node);
  ring_ = key_ring{names};
}

const replica_member& replica_set::pick_for_key(const std::string& key,
                                                const std::vector<caf::actor>& avoid) const {
  if (ring_.empty()) return pick(avoid);
  if (keys_stay_) return members_[ring_.owner(key)];
  int best = 4;
  for (const auto& m : members_) best = std::min(best, keyed_rank_of(m, avoid));
  return members_[ring_.owner(
      key, [&](uint32_t i) { return keyed_rank_of(members_[i], avoid) == best; })];
}

std::shared_ptr<const replica_set> replica_set::with(replica_member m) const {
  auto members = members_;
  members.push_back(std::move(m));
  return std::make_shared<const replica_set>(policy_, std::move(members), route_by_, keys_stay_);
}

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

}  // namespace cleave::detail
