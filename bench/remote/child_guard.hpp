// Children are killed even when this program is interrupted: cleave_test::process kills its child
// in its destructor, which SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGPIPE (e.g. `| head`) would skip. A
// guard records the child's pid while it lives; the handler installed by kill_children_on_signal()
// SIGKILLs and reaps every recorded child, removes the temporary directory named with
// remove_on_signal() (and all in it), then ends the program with the signal's default action.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <string>

namespace bench_remote {

namespace detail {

inline std::array<std::atomic<pid_t>, 16>& child_slots() {
  static std::array<std::atomic<pid_t>, 16> slots{};
  return slots;
}

/// A file and a directory to remove (fixed buffers: the handler may not allocate).
struct temp_paths {
  char file[512] = {};
  char dir[512] = {};
};

inline temp_paths& paths_to_remove() {
  static temp_paths paths;
  return paths;
}

inline void kill_children_and_exit(int sig) {
  // Only async-signal-safe calls here.
  for (auto& slot : child_slots()) {
    pid_t pid = slot.load();
    if (pid <= 0) continue;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);  // ECHILD if the main thread reaped it first
  }
  auto& paths = paths_to_remove();
  if (paths.file[0] != 0) ::unlink(paths.file);
  if (paths.dir[0] != 0) {
    // The directory holds more than the file (the certificates the nodes made beside their
    // placement): rm -rf it, fork and exec being async-signal-safe.
    pid_t rm = ::fork();
    if (rm == 0) {
      ::execl("/bin/rm", "rm", "-rf", paths.dir, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (rm > 0) ::waitpid(rm, nullptr, 0);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace detail

/// Installs the handler; call once, at the start of main.
inline void kill_children_on_signal() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
    ::signal(sig, detail::kill_children_and_exit);
}

/// Names the temporary `file` and its `dir` for the handler to remove, the directory with all in
/// it (before any signal may arrive, i.e. right after they are created; paths longer than 511
/// bytes are ignored).
inline void remove_on_signal(const std::string& file, const std::string& dir) {
  auto& paths = detail::paths_to_remove();
  if (file.size() < sizeof paths.file && dir.size() < sizeof paths.dir) {
    std::memcpy(paths.file, file.c_str(), file.size() + 1);
    std::memcpy(paths.dir, dir.c_str(), dir.size() + 1);
  }
}

/// Records `pid` for the handler while the guard lives (more than 16 children at once are not
/// recorded; the benchmark programs have at most 3).
class child_guard {
 public:
  explicit child_guard(pid_t pid) {
    for (auto& slot : detail::child_slots()) {
      pid_t empty = 0;
      if (slot.compare_exchange_strong(empty, pid)) {
        slot_ = &slot;
        return;
      }
    }
  }
  ~child_guard() {
    if (slot_ != nullptr) slot_->store(0);
  }
  child_guard(const child_guard&) = delete;
  child_guard& operator=(const child_guard&) = delete;

 private:
  std::atomic<pid_t>* slot_ = nullptr;
};

}  // namespace bench_remote
