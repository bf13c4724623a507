// A child process for integration tests: start a real program, capture what it prints, wait for it
// with a deadline, and never leave it behind.
//
//   using namespace std::chrono_literals;
//   cleave_test::process p{{bin + "/banano", "--placement", file}, {{"STORE_HOST", "127.0.0.1"}}};
//   auto code = p.wait(20s);                       // std::nullopt: still running at the deadline
//   ASSERT_TRUE(code) << "timed out; " << p.report();
//   EXPECT_EQ(*code, 0) << p.report();
//   EXPECT_EQ(p.output(), "Starting..\n...");
//
// A serving node:
//
//   cleave_test::process node{{bin + "/banano", "--placement", file, "--node", "store"}};
//   ASSERT_TRUE(node.wait_for_error_output("\"msg\":\"listening\"", 20s)) << node.report();
//   ...
//   node.signal(SIGTERM);
//   EXPECT_EQ(node.wait(20s), 0) << node.report();
//
// stdout and stderr go to two pipes that are read whenever the test waits (wait,
// wait_for_output, wait_for_error_output), so a chatty child never blocks on a full pipe while the
// test waits. stdin is /dev/null. Nothing here sleeps: waiting is poll() on the pipes with short
// timeouts, checking waitpid(WNOHANG) in between, until the deadline. The destructor SIGKILLs and
// reaps a child that is still running, so a failed assertion cannot leak a process into later
// tests.
//
// Not thread-safe: use one process object from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cleave_test {

class process {
 public:
  using clock = std::chrono::steady_clock;

  /// Starts `argv[0]` (a path, or a name looked up in PATH) with arguments `argv[1..]`, in this
  /// process's environment plus `env` (which wins over inherited variables of the same name).
  /// Throws std::system_error if the program cannot be started.
  explicit process(std::vector<std::string> argv, std::map<std::string, std::string> env = {});

  /// Kills (SIGKILL) and reaps the child if it is still running.
  ~process();

  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// Waits until the child exits or `deadline` passes, reading its output meanwhile. Returns the
  /// exit code, 128 + N if signal N ended it (as a shell reports it), or std::nullopt if it was
  /// still running at the deadline (it is left running: call signal() or let the destructor kill
  /// it). Once the child has exited, output still in the pipes is read up to the deadline.
  std::optional<int> wait(clock::time_point deadline);
  std::optional<int> wait(clock::duration timeout) { return wait(clock::now() + timeout); }

  /// Reads output until stdout contains `text` (true), or the child exits or `deadline` passes
  /// without printing it (false).
  bool wait_for_output(std::string_view text, clock::time_point deadline);
  bool wait_for_output(std::string_view text, clock::duration timeout) {
    return wait_for_output(text, clock::now() + timeout);
  }

  /// The same for stderr, where nodes write their JSON log lines (e.g. `"msg":"listening"`).
  bool wait_for_error_output(std::string_view text, clock::time_point deadline);
  bool wait_for_error_output(std::string_view text, clock::duration timeout) {
    return wait_for_error_output(text, clock::now() + timeout);
  }

  /// Polls until something accepts TCP connections on 127.0.0.1:`port` (true), or the child
  /// exits or `deadline` passes (false), reading the child's output meanwhile.
  bool wait_accepting(uint16_t port, clock::time_point deadline);

  /// Sends signal `sig` to the child; does nothing once it has been reaped.
  void signal(int sig);

  /// What the child wrote to stdout / stderr so far (as read by the last wait).
  const std::string& output() const { return out_.text; }
  const std::string& errors() const { return err_.text; }

  /// True until the child has been reaped.
  bool running() const { return !exit_code_.has_value(); }

  pid_t pid() const { return pid_; }

  /// The command line, the exit status and both outputs, for assertion messages.
  std::string report() const;

 private:
  struct stream {
    int fd = -1;
    std::string text;
  };

  /// Reads whatever the pipes have, waiting at most `timeout` for something to arrive.
  void pump(std::chrono::milliseconds timeout);
  /// Reads output until `s` contains `text`, the child exits or `deadline` passes.
  bool wait_for_text(const stream& s, std::string_view text, clock::time_point deadline);
  /// Reaps the child if it has exited (never blocks).
  void try_reap();
  bool pipes_open() const { return out_.fd >= 0 || err_.fd >= 0; }

  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  stream out_;
  stream err_;
  std::optional<int> exit_code_;
};

/// A fresh directory (under $TMPDIR or /tmp) for the files of one test or benchmark, removed
/// with everything in it when destroyed.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Writes `text` to `name` in the directory and returns the file's path.
  std::string write(const std::string& name, const std::string& text) const;

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// True if a TCP connection to 127.0.0.1:`port` is accepted now.
bool accepts_connections(uint16_t port);

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). Another
/// process may take it before the caller binds it, so use it soon, and only for local tests.
uint16_t free_port();

/// `n` distinct such ports (the kernel may hand out a port again once it is closed).
std::vector<uint16_t> free_ports(size_t n);

}  // namespace cleave_test
