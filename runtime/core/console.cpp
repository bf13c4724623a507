#include "runtime/core/console.hpp"

#include <cstdio>
#include <mutex>
#include <string>

namespace cleave {

void say(std::string_view line) {
  static std::mutex mutex;
  std::string text{line};
  text += '\n';
  std::lock_guard<std::mutex> guard{mutex};
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace cleave
