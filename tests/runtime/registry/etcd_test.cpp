// The etcd client's encodings, and what it does with an etcd that is not there or misbehaves: a
// refused connection, silence, garbage, an answer too large. The real etcd is exercised by
// tests/integration/registry_test.cpp.
#include "runtime/registry/etcd.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/core/error.hpp"
#include "runtime/registry/registry.hpp"

namespace {

using namespace std::chrono_literals;
using cleave::registry::base64_decode;
using cleave::registry::base64_encode;
using cleave::registry::etcd_client;
using cleave::registry::prefix_end;

TEST(etcd, base64_as_etcd_writes_it) {
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("/svc/api/"), "L3N2Yy9hcGkv");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  std::string back;
  ASSERT_TRUE(base64_decode(base64_encode(bytes), back));
  EXPECT_EQ(back, bytes);
  for (const char* bad : {"Zm9", "Zm9v!", "=Zm9", "Zm=v", "Y==="}) {
    EXPECT_FALSE(base64_decode(bad, back)) << bad;
  }
}

TEST(etcd, prefix_end_is_the_first_key_after_the_prefix) {
  EXPECT_EQ(prefix_end("/svc/api/"), "/svc/api0");
  EXPECT_EQ(prefix_end(std::string{"a\xff"}), "b");
  EXPECT_EQ(prefix_end(std::string{"\xff\xff"}), std::string(1, '\0'));
}

TEST(etcd, instances_round_trip_and_malformed_ones_are_refused) {
  cleave::registry::instance x{"store@10.0.0.5:7101", "store", "10.0.0.5", 7101, {"a", "b"}};
  auto back = cleave::registry::instance_from_json(cleave::registry::to_json(x));
  ASSERT_TRUE(back) << cleave::describe(back.error());
  EXPECT_EQ(back->name, x.name);
  EXPECT_EQ(back->port, 7101);
  EXPECT_TRUE(back->runs("b"));
  EXPECT_FALSE(back->runs("c"));
  for (const char* bad :
       {"", "[]", R"({"name": "x"})",
        R"({"name": "x", "node": "n", "host": "h", "port": 0, "components": []})",
        R"({"name": "x", "node": "n", "host": "h", "port": 1, "components": [1]})"})
    EXPECT_FALSE(cleave::registry::instance_from_json(bad)) << bad;
}

/// A TCP server on 127.0.0.1 that answers each connection with `reply` (never, if `silent`).
class fake_etcd {
 public:
  fake_etcd(std::string reply, bool silent) : reply_(std::move(reply)), silent_(silent) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 4);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      (void)::recv(c, buf, sizeof buf, 0);
      asked_ = true;
      if (!silent_) (void)::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      // Held open until the test ends: the client must not wait for the close.
      while (!done_) std::this_thread::sleep_for(10ms);
      ::close(c);
    });
  }
  ~fake_etcd() {
    done_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  /// True once a request arrived.
  bool asked() const { return asked_; }

 private:
  std::string reply_;
  bool silent_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> done_{false};
  std::atomic<bool> asked_{false};
  std::thread thread_;
};

TEST(etcd, an_etcd_that_is_not_there_fails_at_once) {
  uint16_t port = 0;
  {
    fake_etcd gone{"", true};
    port = gone.port();
  }
  etcd_client etcd{{"127.0.0.1", port}, 2000ms};
  auto start = std::chrono::steady_clock::now();
  auto r = etcd.range_prefix("/cleave/");
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unavailable)) << cleave::describe(r.error());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(etcd, a_silent_etcd_fails_the_call_at_its_deadline) {
  fake_etcd silent{"", true};
  etcd_client etcd{{"127.0.0.1", silent.port()}, 300ms};
  auto start = std::chrono::steady_clock::now();
  auto r = etcd.grant(std::chrono::seconds(5));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::deadline_exceeded))
      << cleave::describe(r.error());
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
}

TEST(etcd, garbage_and_errors_are_refused_with_their_reason) {
  {
    fake_etcd garbage{"SSH-2.0-OpenSSH\r\n\r\n", false};
    etcd_client etcd{{"127.0.0.1", garbage.port()}, 1000ms};
    auto r = etcd.range_prefix("/");
    ASSERT_FALSE(r);
    EXPECT_NE(cleave::describe(r.error()).find("malformed answer"), std::string::npos)
        << cleave::describe(r.error());
  }
  {
    std::string body = R"({"error":"etcdserver: requested lease not found","code":5,)"
                       R"("message":"etcdserver: requested lease not found"})";
    fake_etcd refusing{"HTTP/1.1 404 Not Found\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body,
                       false};
    etcd_client etcd{{"127.0.0.1", refusing.port()}, 1000ms};
    auto err = etcd.revoke("1234");
    EXPECT_EQ(cleave::describe(err),
              "unavailable: etcd: HTTP 404: etcdserver: requested lease not found");
  }
  {
    // An answer announcing more than 4 MiB is refused before it is read.
    fake_etcd huge{"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", false};
    etcd_client etcd{{"127.0.0.1", huge.port()}, 1000ms};
    auto r = etcd.range_prefix("/");
    ASSERT_FALSE(r);
    EXPECT_NE(cleave::describe(r.error()).find("body limit"), std::string::npos)
        << cleave::describe(r.error());
  }
}

TEST(etcd, a_watch_answered_with_a_huge_plain_body_is_refused) {
  fake_etcd flood{
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n" + std::string(size_t{5} << 20, 'x'),
      false};
  etcd_client etcd{{"127.0.0.1", flood.port()}, 2000ms};
  auto err = etcd.watch_prefix(
      "/", 0, [](const auto&, int64_t) {}, 2000ms);
  // Refused from its header, before anything is allocated for it (a reservation of the announced
  // 100 GB threw out of the client before the limit applied to watches too).
  EXPECT_NE(cleave::describe(err).find("body limit"), std::string::npos) << cleave::describe(err);
}

TEST(etcd, cancel_ends_a_running_watch) {
  fake_etcd silent{"", true};
  etcd_client etcd{{"127.0.0.1", silent.port()}, 10'000ms};
  std::thread canceller{[&] {
    // Once the watch has sent its request, it waits for the answer.
    auto until = std::chrono::steady_clock::now() + 5s;
    while (!silent.asked() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    etcd.cancel();
  }};
  auto start = std::chrono::steady_clock::now();
  auto err = etcd.watch_prefix(
      "/", 0, [](const auto&, int64_t) {}, 10'000ms);
  canceller.join();
  EXPECT_TRUE(silent.asked());
  EXPECT_TRUE(err);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
