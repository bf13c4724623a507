// A TCP proxy of the fault suite's own on 127.0.0.1, between two nodes, that injects what a network
// does to them: a partition (bytes dropped both ways, connections kept open), lost replies (bytes
// from the server dropped after the request went through), resets (every connection cut with
// RST), and delay (bytes held for a while both ways, then forwarded in order). `tc netem` is not
// available on these machines. At most 16 MiB wait in the proxy per direction of a connection; past
// that it stops reading from the sender until they drain (TCP's flow control, nothing dropped).
//
//   cleave_test::tcp_proxy proxy{core_port};          // listens on 127.0.0.1:proxy.port()
//   proxy.set(cleave_test::tcp_proxy::mode::partition);
//   ...
//   proxy.set(cleave_test::tcp_proxy::mode::pass);    // heal
//   proxy.set_delay(150ms);                           // 150 ms each way: a round trip of 300 ms
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

namespace cleave_test {

class tcp_proxy {
 public:
  enum class mode {
    /// Bytes go both ways.
    pass,
    /// Bytes are read and dropped both ways; connections, new ones too, stay open: to the nodes it
    /// looks like a cable cut.
    partition,
    /// Bytes to the server go through, bytes back are dropped: requests arrive, replies are lost.
    drop_replies,
    /// Bytes go both ways, each held for the delay of set_delay() after it arrived, in order.
    delay,
  };

  /// Listens on 127.0.0.1 (a port of the kernel's choosing) and forwards to 127.0.0.1:`target`.
  explicit tcp_proxy(uint16_t target);
  /// Closes every connection and stops.
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  uint16_t port() const { return port_; }

  /// Bytes that arrived before a change of mode are forwarded (or dropped) as the mode of their
  /// arrival said, and still in order: a delayed byte is never overtaken.
  void set(mode m) { mode_ = m; }

  /// Sets mode::delay: every byte, both ways, is held for `one_way` after it arrived, then
  /// forwarded.
  void set_delay(std::chrono::milliseconds one_way) {
    delay_ = one_way;
    mode_ = mode::delay;
  }

  /// Cuts every open connection with a TCP reset (new ones are forwarded as the mode says).
  void reset_all() { reset_requested_ = true; }

  /// Connections accepted so far.
  uint64_t accepted() const { return accepted_; }

 private:
  void run();

  int listener_ = -1;
  uint16_t port_ = 0;
  uint16_t target_;
  std::atomic<mode> mode_{mode::pass};
  std::atomic<std::chrono::milliseconds> delay_{std::chrono::milliseconds{0}};
  std::atomic<bool> reset_requested_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> accepted_{0};
  std::thread thread_;
};

}  // namespace cleave_test
