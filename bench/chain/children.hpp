// The child processes of one variant: started, waited for until they say they are ready, and
// stopped with SIGTERM at the end. Whatever happens, the destructor kills (SIGKILL) and reaps
// any still running (cleave_test::process does it), so no path leaves one behind.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/testkit/detail/process.hpp"

namespace chain_bench {

class children {
 public:
  children() = default;
  children(const children&) = delete;
  children& operator=(const children&) = delete;

  /// Starts `argv`; returns at once.
  cleave_test::process& start(std::vector<std::string> argv);

  /// Waits until every child has written `text` on stderr; throws std::runtime_error naming the
  /// one that did not (with its output) by `timeout`.
  void wait_ready(std::string_view text, std::chrono::steady_clock::duration timeout);

  /// Sends SIGTERM to every child and waits for each (at most `timeout` in all); returns "" if
  /// all exited 0, else what went wrong (each child's report).
  std::string stop(std::chrono::steady_clock::duration timeout);

 private:
  std::vector<std::unique_ptr<cleave_test::process>> processes_;
};

using cleave_test::temp_dir;

}  // namespace chain_bench
