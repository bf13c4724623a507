// A newsroom that publishes on topic "news" and two readers subscribed to it, for the event tests
// (in-process, and as cleave_events_app under every placement).
#pragma once

#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace events_test {

/// The event.
struct news {
  std::string text;
};
CLEAVE_MESSAGE(news, text)

/// To "newsroom": publish `text` on "news".
struct announce {
  std::string text;
  using response = void;
};
CLEAVE_MESSAGE(announce, text)

struct news_list {
  std::vector<news> items;
};
CLEAVE_MESSAGE(news_list, items)

/// To a reader: what it has received, in order.
struct read_news {
  using response = news_list;
};
CLEAVE_MESSAGE(read_news)

cleave::component newsroom_component();                       // "newsroom"
cleave::component reader_component(const std::string& name);  // subscribed to "news"

/// A reader that subscribes to "news" but has no handler for `news`: its node must not start.
cleave::component deaf_reader_component();  // "deaf-reader"

std::vector<cleave::component> all_components();  // newsroom, reader-a, reader-b

}  // namespace events_test
