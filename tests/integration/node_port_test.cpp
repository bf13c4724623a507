// A node port under attack (docs/security.md): Banano's store node runs as a child process and a
// hostile client (tests/integration/hostile_peer.hpp) tries what issue 10 found working before:
// no certificate, a certificate of another CA, an expired one, one naming no node, a BASP header
// announcing 4 GiB (before and after authenticating), silent sockets, more connections than the
// cap, and a node answering at another node's address. Each refusal must close the connection,
// be logged on the refusing node, and leave real peers served.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/core/detail/module_loader.hpp"
#include "runtime/core/error.hpp"
#include "runtime/events/detail/nats_library.hpp"
#include "runtime/testkit/detail/cluster.hpp"
#include "runtime/testkit/detail/process.hpp"
#include "runtime/transport/certs.hpp"
#include "tests/integration/hostile_peer.hpp"

namespace {

using namespace std::chrono_literals;
using cleave_test::cluster;
using cleave_test::hostile_peer;
using cleave_test::temp_dir;
using clock_type = std::chrono::steady_clock;
namespace transport = cleave::transport;

const std::string bin_dir = CLEAVE_BIN_DIR;
const std::string banano_bin = bin_dir + "/banano";
constexpr auto deadline = 10s;

const char* const banano_lines =
    "Starting..\nCreated d1\nGot d1\nListed 1 items\nDeleted d1\nListed 0 items\n";

std::string banano_placement(const std::string& store_node = "store",
                             const std::string& security = "") {
  return R"({"app": "banano",)" + (security.empty() ? "" : "\"security\": " + security + ",") +
         R"("nodes": {"front": {"host": "127.0.0.1", "port": 1},
                       ")" +
         store_node + R"(": {"host": "127.0.0.1", "port": 2}},
             "components": {"banano-driver": {"node": "front"}, "thingey-repo": {"node": "front"},
                            "thingey-audit": {"node": "front"},
                            "thingey-store": {"node": ")" +
         store_node + R"("}}})";
}

/// Banano's store node at a free port, its certificates made on first use in dir/.certs/banano.
class store_node : public ::testing::Test {
 protected:
  void start(std::vector<std::string> sets = {}, const std::string& security = "") {
    file_ = dir_.write("banano.json", banano_placement("store", security));
    nodes_ = std::make_unique<cluster>(banano_bin, file_,
                                       std::vector<std::string>{"front", "store"}, std::move(sets));
    nodes_->start("store");
    ASSERT_TRUE(nodes_->wait_listening("store", deadline)) << nodes_->report();
  }

  std::string certs() const { return dir_.path() + "/.certs/banano"; }
  uint16_t port() const { return nodes_->port("store"); }
  cleave_test::process& store() { return nodes_->at("store"); }

  /// Waits for the store's log to contain `text`.
  bool logged(const std::string& text) { return store().wait_for_error_output(text, deadline); }

  /// Banano's driver, run as node "front", gets its six lines from the store.
  void expect_front_served() {
    auto& front = nodes_->start("front");
    auto code = front.wait(deadline);
    ASSERT_TRUE(code) << nodes_->report();
    EXPECT_EQ(*code, 0) << nodes_->report();
    EXPECT_EQ(front.output(), banano_lines) << nodes_->report();
  }

  /// A copy of the cluster's CA (certificate and key) in a folder of its own, to sign with.
  std::string ca_copy() {
    auto to = dir_.path() + "/ca-copy";
    std::filesystem::create_directories(to);
    for (const char* f : {"/ca.pem", "/ca.key"}) std::filesystem::copy_file(certs() + f, to + f);
    return to;
  }

  temp_dir dir_;
  std::string file_;
  std::unique_ptr<cluster> nodes_;
};

TEST_F(store_node, refuses_a_peer_without_a_certificate) {
  start();
  hostile_peer p{port()};
  p.start_tls("", "", "");
  EXPECT_TRUE(p.closed_by_node(clock_type::now() + deadline));
  EXPECT_TRUE(logged("peer did not return a certificate")) << store().report();
  expect_front_served();
}

TEST_F(store_node, refuses_a_certificate_of_another_ca) {
  start();
  auto rogue = dir_.path() + "/rogue";
  ASSERT_FALSE(transport::make_ca(rogue, "banano"));
  ASSERT_FALSE(transport::make_identity(rogue, "front"));
  auto files = transport::files_of(rogue, "front");
  hostile_peer p{port()};
  p.start_tls("", files.cert, files.key);
  EXPECT_TRUE(p.closed_by_node(clock_type::now() + deadline));
  EXPECT_TRUE(logged(R"(certificate of \"front\" refused: unable to get local issuer certificate)"))
      << store().report();
  expect_front_served();
}

TEST_F(store_node, refuses_an_expired_certificate) {
  start();
  auto ca = ca_copy();
  transport::cert_options expired;
  expired.not_before = -std::chrono::hours(48);
  expired.not_after = -std::chrono::hours(24);
  ASSERT_FALSE(transport::make_identity(ca, "front", expired));
  auto files = transport::files_of(ca, "front");
  hostile_peer p{port()};
  p.start_tls("", files.cert, files.key);
  EXPECT_TRUE(p.closed_by_node(clock_type::now() + deadline));
  EXPECT_TRUE(logged(R"(certificate of \"front\" refused: certificate has expired)"))
      << store().report();
}

TEST_F(store_node, refuses_a_certificate_that_names_no_node) {
  start();
  auto ca = ca_copy();
  ASSERT_FALSE(transport::make_identity(ca, "mallory"));
  auto files = transport::files_of(ca, "mallory");
  hostile_peer p{port()};
  p.start_tls("", files.cert, files.key);
  EXPECT_TRUE(p.closed_by_node(clock_type::now() + deadline));
  EXPECT_TRUE(logged(R"(certificate of \"mallory\", which names no node of this placement)"))
      << store().report();
}

TEST_F(store_node, a_plain_header_announcing_4_gib_is_refused_without_allocating_it) {
  start();
  hostile_peer p{port()};
  p.send(cleave_test::basp_header_claiming(0xFFFFFFFF));
  EXPECT_TRUE(p.closed_by_node(clock_type::now() + deadline));
  EXPECT_TRUE(logged("peer refused: TLS handshake failed")) << store().report();
  EXPECT_LT(cleave_test::peak_rss_bytes(store().pid()), uint64_t{200} << 20);
}

TEST_F(store_node, an_authenticated_peer_announcing_4_gib_is_cut_off_without_allocating_it) {
  start();
  auto files = transport::files_of(certs(), "front");
  hostile_peer p{port()};
  ASSERT_EQ(p.start_tls(transport::ca_cert_file(certs()), files.cert, files.key), "");
  ASSERT_TRUE(p.send(cleave_test::basp_header_claiming(0xFFFFFFFF)));
  auto sent = clock_type::now();
  EXPECT_TRUE(p.closed_by_node(sent + deadline));
  std::cout
      << "[figure] 4 GiB frame announced -> connection closed in "
      << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - sent).count()
      << " ms, node peak RSS " << (cleave_test::peak_rss_bytes(store().pid()) >> 20) << " MiB\n";
  EXPECT_TRUE(logged(R"("msg":"peer connection closed: frame over the limit")"))
      << store().report();
  EXPECT_TRUE(logged(R"("frame_bytes":4294967295)")) << store().report();
  EXPECT_LT(cleave_test::peak_rss_bytes(store().pid()), uint64_t{200} << 20);
  expect_front_served();
}

TEST_F(store_node, a_handshake_without_payload_is_refused_and_the_node_lives_on) {
  // CAF 0.17 reads a handshake's payload without checking there is one: this 32-byte header made
  // it read a null pointer and end the node (found by tests/fuzz/node_port_fuzz.cpp).
  start({}, R"({"insecure": true})");
  for (int i = 0; i < 3; ++i) {
    hostile_peer p{port()};
    ASSERT_TRUE(p.send(cleave_test::basp_header_claiming(0)));
    EXPECT_TRUE(p.closed_by_node(clock_type::now() + deadline));
  }
  EXPECT_TRUE(logged("a handshake without payload")) << store().report();
  EXPECT_TRUE(store().running()) << store().report();
  expect_front_served();
}

TEST_F(store_node, silent_connections_are_closed_after_the_handshake_timeout) {
  start({"defaults.handshake_timeout_ms=300"});
  std::vector<std::unique_ptr<hostile_peer>> silent;
  for (int i = 0; i < 50; ++i) silent.push_back(std::make_unique<hostile_peer>(port()));
  auto opened = clock_type::now();
  // Real peers are served meanwhile.
  expect_front_served();
  for (auto& p : silent) EXPECT_TRUE(p->closed_by_node(opened + 5s));
  auto all_closed = clock_type::now() - opened;
  std::cout << "[figure] 50 silent connections, handshake_timeout_ms 300 -> all closed after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(all_closed).count() << " ms\n";
  EXPECT_TRUE(logged("peer connection closed: no handshake in time")) << store().report();
}

TEST_F(store_node, connections_over_the_cap_are_refused_at_once) {
  start({"defaults.max_peer_connections=4", "defaults.handshake_timeout_ms=60000"});
  std::vector<std::unique_ptr<hostile_peer>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<hostile_peer>(port()));
  // The fifth is accepted by the kernel and closed by the node at once.
  hostile_peer over{port()};
  EXPECT_TRUE(over.closed_by_node(clock_type::now() + 2s));
  EXPECT_TRUE(logged("peer refused: too many connections")) << store().report();
  // Once the held ones go, real peers are served again.
  held.clear();
  expect_front_served();
}

TEST_F(store_node, an_insecure_placement_says_so_and_works) {
  start({}, R"({"insecure": true})");
  EXPECT_TRUE(logged("INSECURE")) << store().report();
  EXPECT_FALSE(std::filesystem::exists(certs()));
  expect_front_served();
}

TEST(node_identity, a_node_answering_at_another_nodes_address_is_refused) {
  temp_dir dir;
  // One CA for both placements, so that the impostor's certificate is a valid one.
  auto pki = dir.path() + "/pki";
  ASSERT_FALSE(transport::ensure_certs(pki, "banano", {"front", "store", "impostor"}));
  auto real = dir.write("real.json", banano_placement("store", R"({"certs": "pki"})"));
  auto fake = dir.write("fake.json", banano_placement("impostor", R"({"certs": "pki"})"));
  cluster front{banano_bin, real, {"front", "store"}};
  // The impostor listens where "front" expects "store".
  cluster impostor{banano_bin,
                   fake,
                   {"front", "impostor"},
                   {"nodes.impostor.port=" + std::to_string(front.port("store"))}};
  impostor.start("impostor");
  ASSERT_TRUE(impostor.wait_listening("impostor", deadline)) << impostor.report();
  auto& driver = front.start("front");
  auto code = driver.wait(deadline);
  ASSERT_TRUE(code) << front.report();
  EXPECT_NE(*code, 0) << front.report();
  EXPECT_NE(
      driver.errors().find(R"(certificate of \"impostor\" where node \"store\" was expected)"),
      std::string::npos)
      << front.report();
}

// A peer that takes the TCP connection and never answers the handshake must not keep the caller
// from stopping: before, the connect still pending inside CAF's middleman kept the node's network
// actor alive, and the process hung until the shutdown watchdog ended it 30 s later (seen in CI as
// a node that "did not exit after SIGTERM" when its peer stopped mid-handshake).
TEST(node_stop, a_node_dialling_a_peer_that_never_answers_still_stops_promptly) {
  temp_dir dir;
  cleave_test::silent_listener stalled;
  auto file = dir.write("banano.json", banano_placement());
  cluster front{banano_bin,
                file,
                {"front", "store"},
                {"nodes.store.port=" + std::to_string(stalled.port()), "defaults.timeout_ms=500",
                 "defaults.handshake_timeout_ms=60000"}};
  auto& driver = front.start("front");
  auto started = clock_type::now();
  auto code = driver.wait(deadline);
  ASSERT_TRUE(code) << "still running after " << deadline.count() << " s\n" << front.report();
  EXPECT_EQ(*code, 1) << front.report();
  EXPECT_NE(driver.errors().find("thingey-store"), std::string::npos) << front.report();
  EXPECT_EQ(driver.errors().find("did not stop"), std::string::npos) << front.report();
  std::cout
      << "[figure] driver with a stalled peer exited after "
      << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started).count()
      << " ms (call timeout 500 ms)\n";
}

/// The shared objects process `pid` has mapped, one path a line.
std::string mapped_files(pid_t pid) {
  std::ifstream maps{"/proc/" + std::to_string(pid) + "/maps"};
  std::stringstream out;
  out << maps.rdbuf();
  return out.str();
}

// OpenSSL is loaded by the nodes that open node connections only (libcleave_tls.so): a monolith
// does not pay its memory and start-up (docs/performance.md, B7).
TEST(tls_library, a_monolith_maps_no_openssl_and_a_networked_node_does) {
  temp_dir dir;
  auto monolith = dir.write("counter.json",
                            R"({"app": "counter", "nodes": {"main": {"host": "127.0.0.1"}},
          "components": {"gateway": {"node": "main", "config": {"listen": "127.0.0.1:0"}},
                         "counter": {"node": "main"}}})");
  cleave_test::process counter{{bin_dir + "/counter", "--placement", monolith}};
  ASSERT_TRUE(counter.wait_for_error_output("gateway listening", deadline)) << counter.report();
  auto maps = mapped_files(counter.pid());
  ASSERT_NE(maps.find("libcaf_core"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("libssl"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("libcrypto"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("libcleave_tls"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("libnats"), std::string::npos) << maps;

  auto split = dir.write("banano.json", banano_placement());
  cluster nodes{banano_bin, split, {"front", "store"}};
  nodes.start("store");
  ASSERT_TRUE(nodes.wait_listening("store", deadline)) << nodes.report();
  maps = mapped_files(nodes.at("store").pid());
  EXPECT_NE(maps.find("libcleave_tls.so"), std::string::npos) << maps;
  EXPECT_NE(maps.find("libssl"), std::string::npos) << maps;
  // Only a placement with a "nats" event topic loads the NATS client.
  EXPECT_EQ(maps.find("libcleave_nats"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("libnats"), std::string::npos) << maps;
}

TEST(tls_library, a_node_that_cannot_find_it_says_so_and_stops) {
  temp_dir dir;
  // A copy of the binary away from build/bin/, where the library is not.
  auto lonely = dir.path() + "/banano";
  std::filesystem::copy_file(banano_bin, lonely);
  std::filesystem::permissions(lonely, std::filesystem::perms::owner_all);
  auto file = dir.write("banano.json", banano_placement());
  cluster nodes{lonely, file, {"front", "store"}};
  auto& store = nodes.start("store");
  auto code = store.wait(deadline);
  ASSERT_TRUE(code) << nodes.report();
  EXPECT_NE(*code, 0);
  EXPECT_NE(store.errors().find("cannot load libcleave_tls.so"), std::string::npos)
      << store.report();
  EXPECT_NE(store.errors().find("security.insecure"), std::string::npos) << store.report();
  // Without TLS it needs no library.
  cluster plain{lonely, file, {"front", "store"}, {"security.insecure=true"}};
  plain.start("store");
  EXPECT_TRUE(plain.wait_listening("store", deadline)) << plain.report();
}

// The loader both libraries go through (the NATS one has no node of its own here: a placement
// with a "nats" topic needs an app that subscribes to it).
TEST(module_loader, says_which_file_it_could_not_load_where_it_looked_and_what_needs_it) {
  auto missing = cleave::detail::load_module_table(
      {"libcleave_nothing.so", "cleave_nothing_library", 1, "nothing needs it"});
  ASSERT_FALSE(missing);
  auto text = cleave::describe(missing.error());
  EXPECT_TRUE(cleave::is(missing.error(), cleave::errc::unavailable)) << text;
  EXPECT_NE(text.find("cannot load libcleave_nothing.so (nothing needs it)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(std::filesystem::canonical(bin_dir).string() + "/"), std::string::npos)
      << text;
  EXPECT_NE(text.find("dynamic loader"), std::string::npos) << text;

  auto no_entry = cleave::detail::load_module_table(
      {"libcleave_nats.so", "cleave_nothing_library", cleave::detail::nats_library_abi, ""});
  ASSERT_FALSE(no_entry);
  EXPECT_NE(cleave::describe(no_entry.error()).find("has no cleave_nothing_library"),
            std::string::npos)
      << cleave::describe(no_entry.error());

  auto other_build = cleave::detail::load_module<cleave::detail::nats_library>(
      {"libcleave_nats.so", "cleave_nats_library", cleave::detail::nats_library_abi + 1, ""});
  ASSERT_FALSE(other_build);
  EXPECT_NE(cleave::describe(other_build.error()).find("comes from another build of cleave"),
            std::string::npos)
      << cleave::describe(other_build.error());

  auto nats = cleave::detail::load_nats_library();
  ASSERT_TRUE(nats) << cleave::describe(nats.error());
  EXPECT_EQ((*nats)->abi, cleave::detail::nats_library_abi);
}

}  // namespace
