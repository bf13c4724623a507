// A client of a node port that does what an attacker would: connect and say nothing, speak TLS
// with no certificate or a wrong one, or send a BASP header announcing a 4 GiB frame. For tests of
// docs/security.md; it talks to 127.0.0.1 only.
//
//   cleave_test::hostile_peer p{port};
//   p.start_tls(ca, cert, key);                       // "" cert: none
//   p.send(basp_header_claiming(0xFFFFFFFF));
//   EXPECT_TRUE(p.closed_by_node(clock::now() + 2s));
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cleave_test {

class hostile_peer {
 public:
  using clock = std::chrono::steady_clock;

  /// Connects to 127.0.0.1:`port`; throws std::runtime_error if that fails.
  explicit hostile_peer(uint16_t port);
  ~hostile_peer();
  hostile_peer(const hostile_peer&) = delete;
  hostile_peer& operator=(const hostile_peer&) = delete;

  /// Runs a TLS 1.3 client handshake presenting `cert`/`key` ("" = no certificate), trusting
  /// `ca` ("" = trusting anything). Returns "" if it completed (with TLS 1.3 the node may still
  /// refuse the certificate right after), else OpenSSL's reason. Bounded by a 5 s socket timeout.
  std::string start_tls(const std::string& ca, const std::string& cert, const std::string& key);

  /// Sends `bytes` (through TLS once started); false if the connection is gone.
  bool send(const std::vector<uint8_t>& bytes);

  /// Reads (and drops) what the node sends until it closes the connection (true) or `deadline`
  /// passes (false).
  bool closed_by_node(clock::time_point deadline);

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

/// A port on 127.0.0.1 where the kernel completes TCP connects but nothing ever reads or answers:
/// what a node sees when the peer it dials hangs (or is an impostor that stalls).
class silent_listener {
 public:
  /// Listens at a free port; throws std::runtime_error if that fails.
  silent_listener();
  ~silent_listener();
  silent_listener(const silent_listener&) = delete;
  silent_listener& operator=(const silent_listener&) = delete;

  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

/// A 32-byte BASP header (CAF 0.17: operation, 2 padding bytes, flags, payload length, operation
/// data, source and destination actor; big-endian) of a client handshake announcing `payload_len`.
std::vector<uint8_t> basp_header_claiming(uint32_t payload_len);

/// The peak resident memory (VmHWM) of process `pid` in bytes, 0 if it cannot be read.
uint64_t peak_rss_bytes(int pid);

}  // namespace cleave_test
