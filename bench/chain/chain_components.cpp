#include "bench/chain/chain_components.hpp"

#include <caf/event_based_actor.hpp>

#include "runtime/component/call.hpp"
#include "runtime/component/handlers.hpp"
#include "runtime/component/reply.hpp"

namespace chain_bench {

namespace {

/// A middle link: answers when the next component has answered (call + reply_later rather than
/// delegate, so that each hop waits for the next, like the HTTP services).
cleave::component middle(const std::string& name, const std::string& next) {
  auto init = [next](caf::event_based_actor* self, const cleave::component_context&) {
    return cleave::handlers([self, next](const chain_step& req) {
      auto reply = cleave::reply_later<chain_result>(self);
      cleave::call(self, next, chain_step{req.payload, req.counter + 1})
          .then([reply](const chain_result& r) { reply.deliver(r); },
                [reply](const caf::error& err) { reply.deliver(err); });
      return reply;
    });
  };
  auto c = cleave::component::make<chain_step>(name, init);
  c.calls({next});
  return c;
}

/// The last link: answers at once.
cleave::component last(const std::string& name) {
  auto init = [](caf::event_based_actor*, const cleave::component_context&) {
    return cleave::handlers([](const chain_step& req) -> caf::result<chain_result> {
      return chain_result{req.payload, req.counter + 1};
    });
  };
  return cleave::component::make<chain_step>(name, init);
}

}  // namespace

const std::vector<std::string>& chain_names() {
  static const std::vector<std::string> names{"chain-a", "chain-b", "chain-c", "chain-d"};
  return names;
}

std::vector<cleave::component> chain_components() {
  const auto& n = chain_names();
  return {middle(n[0], n[1]), middle(n[1], n[2]), middle(n[2], n[3]), last(n[3])};
}

}  // namespace chain_bench
