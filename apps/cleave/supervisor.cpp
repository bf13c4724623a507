#include "apps/cleave/supervisor.hpp"
#include "apps/cleave/up_record.hpp"
#include "runtime/core/log.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

extern char** environ;

namespace cleave::tool {

namespace {

using clock = std::chrono::steady_clock;

/// Writes whole lines of one child stream, each prefixed with the node name.
class line_prefixer {
 public:
  line_prefixer(std::string prefix, FILE* sink) : prefix_(std::move(prefix)), sink_(sink) {}

  void feed(const char* data, size_t size) {
    pending_.append(data, size);
    size_t start = 0;
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n', start)) {
      emit(std::string_view{pending_}.substr(start, nl - start));
      start = nl + 1;
    }
    pending_.erase(0, start);
  }

  void flush() {
    if (!pending_.empty()) emit(pending_);
    pending_.clear();
  }

 private:
  void emit(std::string_view line) {
    std::string text = prefix_;
    text.append(line);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), sink_);
    std::fflush(sink_);
  }

  std::string prefix_;
  FILE* sink_;
  std::string pending_;
};

/// The environment variable that tells a node how many times it was restarted.
constexpr const char* restarts_variable = "CLEAVE_RESTARTS";

struct child {
  node_command command;
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  line_prefixer out;
  line_prefixer err;
  clock::time_point started;
  int fast_failures = 0;
  /// Times the node was restarted (CLEAVE_RESTARTS in its environment).
  int restarts = 0;
  std::optional<clock::time_point> restart_at;
  bool finished = false;

  child(node_command cmd, const std::string& prefix)
      : command(std::move(cmd)), out(prefix, stdout), err(prefix, stderr) {}
};

void say(const std::string& text) {
  std::fprintf(stderr, "cleave: %s\n", text.c_str());
  std::fflush(stderr);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

/// Starts the child's program with its stdout and stderr on pipes; false if it cannot.
bool start(child& c) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return false;
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (auto& a : c.command.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  // This process's environment, with the node's restart count.
  std::string restarts = std::string{restarts_variable} + "=" + std::to_string(c.restarts);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, restarts_variable, std::strlen(restarts_variable)) != 0 ||
        (*e)[std::strlen(restarts_variable)] != '=')
      envp.push_back(*e);
  envp.push_back(restarts.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    say("cannot start node " + c.command.name + " (" + c.command.argv[0] +
        "): " + std::strerror(rc));
    return false;
  }
  c.pid = pid;
  c.out_fd = out[0];
  c.err_fd = err[0];
  c.started = clock::now();
  c.restart_at.reset();
  return true;
}

/// Reads what is available on `fd` into `sink`; closes it at end of stream.
void drain(int& fd, line_prefixer& sink) {
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      sink.feed(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof(buf)) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      sink.flush();
      close_fd(fd);
    }
    return;
  }
}

std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string{"killed by signal "} + strsignal(WTERMSIG(status));
  return "stopped";
}

}  // namespace

int supervise(const std::vector<node_command>& nodes, const supervisor_options& options) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  int signal_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);

  std::vector<child> children;
  size_t width = 0;
  for (const auto& n : nodes) width = std::max(width, n.name.size());
  children.reserve(nodes.size());
  for (const auto& n : nodes)
    children.emplace_back(n, n.name + std::string(width - n.name.size(), ' ') + " | ");

  bool stopping = false;
  int exit_code = 0;
  finished_nodes finished;
  clock::time_point kill_at{};
  auto begin_stop = [&](int code) {
    if (stopping) return;
    stopping = true;
    exit_code = code;
    kill_at = clock::now() + options.stop_timeout;
    for (auto& c : children) {
      c.restart_at.reset();
      if (c.pid > 0) ::kill(c.pid, SIGTERM);
    }
  };

  for (auto& c : children)
    if (!start(c)) begin_stop(1);

  for (;;) {
    bool any_running = std::any_of(children.begin(), children.end(), [](const child& c) {
      return c.pid > 0 || c.out_fd >= 0 || c.err_fd >= 0;
    });
    bool any_pending = std::any_of(children.begin(), children.end(),
                                   [](const child& c) { return c.restart_at.has_value(); });
    if (!any_running && (stopping || !any_pending)) break;

    std::vector<pollfd> fds;
    std::vector<std::pair<child*, bool>> owners;  // (child, is_stdout)
    fds.push_back({signal_fd, POLLIN, 0});
    owners.emplace_back(nullptr, false);
    for (auto& c : children) {
      if (c.out_fd >= 0) {
        fds.push_back({c.out_fd, POLLIN, 0});
        owners.emplace_back(&c, true);
      }
      if (c.err_fd >= 0) {
        fds.push_back({c.err_fd, POLLIN, 0});
        owners.emplace_back(&c, false);
      }
    }
    ::poll(fds.data(), fds.size(), 50);
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      while (::read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
      }
      if (!stopping) say("stopping every node");
      begin_stop(0);
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      auto* c = owners[i].first;
      if (owners[i].second)
        drain(c->out_fd, c->out);
      else
        drain(c->err_fd, c->err);
    }
    // Reap, and decide what each exit means.
    for (auto& c : children) {
      if (c.pid <= 0) continue;
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) != c.pid) continue;
      c.pid = -1;
      auto now = clock::now();
      if (stopping) continue;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        say("node " + c.command.name + " finished");
        c.finished = true;
        finished[c.command.name] = {utc_timestamp(), c.command.address};
        if (!options.record_file.empty() && !write_up_record(options.record_file, finished))
          say("cannot write " + options.record_file + ": cleave status will call " +
              c.command.name + " unreachable");
        continue;
      }
      if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
        say("node " + c.command.name + " cannot start (" + exit_text(status) +
            "): stopping every node");
        begin_stop(1);
        continue;
      }
      if (!options.restart) {
        say("node " + c.command.name + " " + exit_text(status) +
            " (defaults.restart is \"never\"): stopping every node");
        begin_stop(1);
        continue;
      }
      c.fast_failures = now - c.started < options.fast_failure ? c.fast_failures + 1 : 1;
      if (c.fast_failures >= options.max_fast_failures) {
        say("node " + c.command.name + " " + exit_text(status) + ", " +
            std::to_string(c.fast_failures) + " fast failures in a row: giving up");
        begin_stop(1);
        continue;
      }
      auto backoff = options.first_backoff * (1 << std::min(c.fast_failures - 1, 10));
      backoff = std::min(backoff, options.max_backoff);
      say("node " + c.command.name + " " + exit_text(status) + "; restarting in " +
          std::to_string(backoff.count()) + " ms");
      c.restart_at = now + backoff;
    }
    auto now = clock::now();
    if (stopping) {
      if (now >= kill_at)
        for (auto& c : children)
          if (c.pid > 0) ::kill(c.pid, SIGKILL);
      continue;
    }
    for (auto& c : children) {
      if (!c.restart_at || now < *c.restart_at) continue;
      // Output of the previous run may still sit in the pipes; nothing more will come.
      if (c.out_fd >= 0) drain(c.out_fd, c.out);
      if (c.err_fd >= 0) drain(c.err_fd, c.err);
      close_fd(c.out_fd);
      close_fd(c.err_fd);
      ++c.restarts;
      if (!start(c)) begin_stop(1);
    }
    bool all_finished =
        std::all_of(children.begin(), children.end(), [](const child& c) { return c.finished; });
    if (all_finished) break;
  }
  close_fd(signal_fd);
  if (!options.record_file.empty() && !finished.empty()) {
    std::remove(options.record_file.c_str());
    // Its folder too, once empty (another placement's record may still be there).
    ::rmdir(std::filesystem::path{options.record_file}.parent_path().c_str());
  }
  return exit_code;
}

}  // namespace cleave::tool
