#include "runtime/core/request_context.hpp"

#include <random>

#include <algorithm>

namespace cleave {

namespace {

thread_local current_request_info current;

using clock = std::chrono::steady_clock;

}  // namespace

const current_request_info& current_request() {
  return current;
}

request_context outgoing_request_context() {
  request_context out;
  out.request_id = current.request_id;
  if (current.deadline != clock::time_point::max()) {
    auto left =
        std::chrono::duration_cast<std::chrono::nanoseconds>(current.deadline - clock::now());
    // 1 ns, not 0: the request has run out of time, which is not the same as having no deadline.
    out.budget_ns = std::max<int64_t>(left.count(), 1);
  }
  return out;
}

request_scope::request_scope(std::string request_id, clock::time_point deadline)
    : previous_(std::move(current)) {
  current = current_request_info{std::move(request_id), deadline};
}

request_scope::request_scope(const request_context& incoming) : previous_(std::move(current)) {
  current.request_id = incoming.request_id;
  current.deadline = incoming.budget_ns > 0
                         ? clock::now() + std::chrono::nanoseconds(incoming.budget_ns)
                         : clock::time_point::max();
}

request_scope::request_scope(current_request_info info) : previous_(std::move(current)) {
  current = std::move(info);
}

request_scope::~request_scope() {
  current = std::move(previous_);
}

std::string random_request_id() {
  // One engine per thread: no lock on the request path, and std::random_device (a syscall) is
  // read once per thread rather than per request.
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64{seed};
  }()};
  static constexpr char hex[] = "0123456789abcdef";
  uint64_t bits = engine();
  std::string out(16, '0');
  for (auto& c : out) {
    c = hex[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

}  // namespace cleave
