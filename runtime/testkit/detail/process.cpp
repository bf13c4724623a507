#include "runtime/testkit/detail/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <set>
#include <system_error>

extern char** environ;

namespace cleave_test {

namespace {

// Between two waitpid(WNOHANG) checks; short, since the child's exit may not show on the pipes
// (a grandchild can keep them open) and the test waits for no longer than this after it.
constexpr std::chrono::milliseconds reap_interval{20};

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

/// Closes `fd` if open and marks it closed.
void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::chrono::milliseconds until(process::clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - process::clock::now());
  return std::clamp(left, std::chrono::milliseconds{0}, reap_interval);
}

/// Inherited environment with `extra` added; `extra` wins over a variable of the same name.
std::vector<std::string> make_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry{*e};
    auto name = entry.substr(0, entry.find('='));
    if (extra.count(std::string{name}) == 0) out.emplace_back(entry);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// Owns what posix_spawn needs, so that every exit path releases it.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

}  // namespace

process::process(std::vector<std::string> argv, std::map<std::string, std::string> env)
    : argv_(std::move(argv)) {
  if (argv_.empty()) throw_errno(EINVAL, "process: empty argv");
  // O_CLOEXEC: the child keeps only the dup2'ed ends, so EOF on a pipe means the child (and
  // anything it started) is done writing. Later children of this test do not inherit them either.
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno(errno, "process: pipe");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw_errno(err, "process: pipe");
  }
  out_.fd = out_pipe[0];
  err_.fd = err_pipe[0];
  int rc = 0;
  {
    spawn_setup setup;
    posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, err_pipe[1], STDERR_FILENO);
    // The child starts with default signal handling whatever this test's threads block or ignore,
    // so that signal() has the effect it would have from a shell.
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setsigdefault(&setup.attr, &all);
    posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    auto env_strings = make_environment(env);
    auto env_ptrs = pointers_to(env_strings);
    auto arg_strings = argv_;
    auto arg_ptrs = pointers_to(arg_strings);
    rc = ::posix_spawnp(&pid_, arg_ptrs[0], &setup.actions, &setup.attr, arg_ptrs.data(),
                        env_ptrs.data());
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    close_fd(out_.fd);
    close_fd(err_.fd);
    pid_ = -1;
    throw_errno(rc, "process: cannot start " + argv_[0]);
  }
  ::fcntl(out_.fd, F_SETFL, ::fcntl(out_.fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(err_.fd, F_SETFL, ::fcntl(err_.fd, F_GETFL) | O_NONBLOCK);
  // The pipes are read only while the test waits: a node that logs a line per request while the
  // test sends requests would block in its next line once 64 KiB were waiting. Best effort
  // (root may raise the size past /proc/sys/fs/pipe-max-size, others up to it).
  for (int fd : {out_.fd, err_.fd})
    if (::fcntl(fd, F_SETPIPE_SZ, 16 << 20) < 0) ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

process::~process() {
  if (pid_ > 0 && running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(out_.fd);
  close_fd(err_.fd);
}

void process::pump(std::chrono::milliseconds timeout) {
  pollfd fds[2];
  stream* streams[2];
  nfds_t n = 0;
  for (stream* s : {&out_, &err_}) {
    if (s->fd < 0) continue;
    fds[n] = pollfd{s->fd, POLLIN, 0};
    streams[n++] = s;
  }
  int ready = ::poll(n > 0 ? fds : nullptr, n, static_cast<int>(timeout.count()));
  if (ready <= 0) return;  // timeout, or EINTR: the caller loops anyway
  for (nfds_t i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    stream& s = *streams[i];
    char buf[4096];
    for (;;) {
      auto got = ::read(s.fd, buf, sizeof buf);
      if (got > 0) {
        s.text.append(buf, static_cast<size_t>(got));
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      close_fd(s.fd);  // EOF, or an error after which nothing more can be read
      break;
    }
  }
}

void process::try_reap() {
  if (!running()) return;
  int status = 0;
  auto r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    if (WIFEXITED(status))
      exit_code_ = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
      exit_code_ = 128 + WTERMSIG(status);
  } else if (r < 0 && errno == ECHILD) {
    exit_code_ = -1;  // reaped elsewhere (SIGCHLD ignored?): gone, status unknown
  }
}

std::optional<int> process::wait(clock::time_point deadline) {
  for (;;) {
    try_reap();
    if (!running()) break;
    if (clock::now() >= deadline) return std::nullopt;
    pump(until(deadline));
  }
  // What the child wrote just before exiting may still be in the pipes: read it, at least once
  // even past the deadline (without waiting then).
  while (pipes_open()) {
    bool last = clock::now() >= deadline;
    pump(until(deadline));
    if (last) break;
  }
  return exit_code_;
}

bool process::wait_for_output(std::string_view text, clock::time_point deadline) {
  return wait_for_text(out_, text, deadline);
}

bool process::wait_for_error_output(std::string_view text, clock::time_point deadline) {
  return wait_for_text(err_, text, deadline);
}

bool process::wait_for_text(const stream& s, std::string_view text, clock::time_point deadline) {
  for (;;) {
    if (s.text.find(text) != std::string::npos) return true;
    try_reap();
    if (!running() && !pipes_open()) return false;  // nothing more will arrive
    if (clock::now() >= deadline) return false;
    pump(until(deadline));
  }
}

temp_dir::temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cleave.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw_errno(errno, "temp_dir: mkdtemp");
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string temp_dir::write(const std::string& name, const std::string& text) const {
  auto file = (path_ / name).string();
  std::ofstream{file, std::ios::binary} << text;
  return file;
}

bool process::wait_accepting(uint16_t port, clock::time_point deadline) {
  for (;;) {
    if (accepts_connections(port)) return true;
    try_reap();
    if (!running() || clock::now() >= deadline) return false;
    pump(until(deadline));  // reads output, waiting at most reap_interval
  }
}

void process::signal(int sig) {
  if (pid_ > 0 && running()) ::kill(pid_, sig);
}

std::string process::report() const {
  std::string out = "command:";
  for (const auto& a : argv_) out += " " + a;
  out += "\nstatus: ";
  if (running())
    out += "running (pid " + std::to_string(pid_) + ")";
  else if (*exit_code_ > 128)
    out += "exit code " + std::to_string(*exit_code_) + " (signal " +
           std::to_string(*exit_code_ - 128) + ")";
  else
    out += "exit code " + std::to_string(*exit_code_);
  out += "\n--- stdout ---\n" + out_.text + "\n--- stderr ---\n" + err_.text + "\n--- end ---";
  return out;
}

bool accepts_connections(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(errno, "free_port: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    throw_errno(err, "free_port: bind 127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::vector<uint16_t> free_ports(size_t n) {
  std::set<uint16_t> seen;
  std::vector<uint16_t> out;
  while (out.size() < n) {
    auto port = free_port();
    if (seen.insert(port).second) out.push_back(port);
  }
  return out;
}

}  // namespace cleave_test
