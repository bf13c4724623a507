#include "bench/chain/children.hpp"

#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

namespace chain_bench {

cleave_test::process& children::start(std::vector<std::string> argv) {
  processes_.push_back(std::make_unique<cleave_test::process>(std::move(argv)));
  return *processes_.back();
}

void children::wait_ready(std::string_view text, std::chrono::steady_clock::duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& p : processes_)
    if (!p->wait_for_error_output(text, deadline))
      throw std::runtime_error("a child did not say " + std::string{text} + " in time\n" +
                               p->report());
}

std::string children::stop(std::chrono::steady_clock::duration timeout) {
  for (auto& p : processes_) p->signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string problems;
  for (auto& p : processes_) {
    auto code = p->wait(deadline);
    if (!code || *code != 0)
      problems += (code ? "exited " + std::to_string(*code) : std::string{"did not exit"}) +
                  " after SIGTERM\n" + p->report() + "\n";
  }
  processes_.clear();  // kills and reaps any that did not exit
  return problems;
}

}  // namespace chain_bench
