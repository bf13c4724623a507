#include "runtime/component/reply.hpp"

#include <caf/mailbox_element.hpp>

namespace cleave::detail {

void deliver_reply(const caf::strong_actor_ptr& to, uint64_t request_id,
                   const std::vector<caf::strong_actor_ptr>& stages, caf::message msg) {
  caf::message_id id{request_id};
  if (!stages.empty()) {
    // Mirrors caf::response_promise: the next stage gets the request with the rest of the chain.
    const auto& next = stages.back();
    auto rest = stages;
    rest.pop_back();
    next->enqueue(caf::make_mailbox_element(to, id, std::move(rest), std::move(msg)), nullptr);
    return;
  }
  if (to) to->enqueue(nullptr, id.response_id(), std::move(msg), nullptr);
}

}  // namespace cleave::detail
