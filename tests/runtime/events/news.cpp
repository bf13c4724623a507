#include "tests/runtime/events/news.hpp"

#include <caf/stateful_actor.hpp>

#include "runtime/component/events.hpp"
#include "runtime/component/handlers.hpp"

namespace events_test {

namespace {

struct reader_state {
  std::vector<news> received;
};

}  // namespace

cleave::component newsroom_component() {
  return cleave::component::make<announce>(
      "newsroom", [](caf::event_based_actor* self, const cleave::component_context&) {
        return cleave::handlers(
            [self](const announce& req) { cleave::publish(self, "news", news{req.text}); });
      });
}

cleave::component reader_component(const std::string& name) {
  return cleave::component::make<news, read_news>(
             name,
             [](caf::stateful_actor<reader_state>* self, const cleave::component_context&) {
               return cleave::handlers(
                   [self](const news& n) { self->state.received.push_back(n); },
                   [self](const read_news&) { return news_list{self->state.received}; });
             })
      .subscribe<news>("news");
}

cleave::component deaf_reader_component() {
  return cleave::component::make<read_news>(
             "deaf-reader",
             [](caf::event_based_actor*, const cleave::component_context&) {
               return cleave::handlers([](const read_news&) { return news_list{}; });
             })
      .subscribe<news>("news");
}

std::vector<cleave::component> all_components() {
  return {newsroom_component(), reader_component("reader-a"), reader_component("reader-b")};
}

}  // namespace events_test
