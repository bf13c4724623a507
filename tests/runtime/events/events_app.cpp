// cleave_events_app: the newsroom and its readers as an app, for the multi-process event tests.
#include "runtime/node/app.hpp"
#include "tests/runtime/events/news.hpp"

int main(int argc, char** argv) {
  cleave::app app{"cleave_events_app"};
  for (auto& c : events_test::all_components()) app.add(std::move(c));
  return app.main(argc, argv);
}
