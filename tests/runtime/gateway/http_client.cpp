#include "tests/runtime/gateway/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace gateway_test {

http_reply http(uint16_t port, const http_call& call) {
  http_reply out;
  try {
    Poco::Net::HTTPClientSession session{call.host, port};
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req{call.method, call.target, Poco::Net::HTTPMessage::HTTP_1_1};
    for (const auto& [name, value] : call.headers) req.add(name, value);
    if (!call.body.empty()) {
      if (call.content_type) req.setContentType(*call.content_type);
      if (call.chunked)
        req.setChunkedTransferEncoding(true);
      else
        req.setContentLength(static_cast<std::streamsize>(call.body.size()));
    }
    if (call.expect_continue) req.setExpectContinue(true);
    auto& os = session.sendRequest(req);
    Poco::Net::HTTPResponse res;
    if (!call.expect_continue || session.peekResponse(res)) {
      os << call.body;
      call.body_sent = true;
    }
    auto& is = session.receiveResponse(res);
    out.status = static_cast<int>(res.getStatus());
    for (const auto& [name, value] : res) {
      std::string key = name;
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[key] = value;
    }
    std::ostringstream body;
    Poco::StreamCopier::copyStream(is, body);
    out.body = body.str();
  } catch (const Poco::Exception& e) {
    out.status = 0;
    out.body = e.displayText();
  }
  return out;
}

// -- raw_client -----------------------------------------------------------------------------------

namespace {

using clock_type = std::chrono::steady_clock;

int poll_ms(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

raw_client::raw_client(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&at), sizeof(at)) != 0) {
    ::close(fd_);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
}

raw_client::~raw_client() {
  ::close(fd_);
}

bool raw_client::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool raw_client::trickle(const std::string& bytes, std::chrono::milliseconds interval) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (!send(std::string(1, bytes[i]))) return false;
    // The pause between bytes is the client's behaviour under test; an answer ends it early.
    if (i + 1 < bytes.size() && readable_within(interval)) return false;
  }
  return true;
}

bool raw_client::readable_within(std::chrono::milliseconds timeout) {
  if (!pending_.empty()) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

http_reply raw_client::read_reply(std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  http_reply out;
  auto fill = [&]() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, poll_ms(deadline)) <= 0) return false;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  };
  size_t head_end;
  while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return out;
  auto head = pending_.substr(0, head_end);
  size_t line_end = head.find("\r\n");
  auto status_line = head.substr(0, line_end);
  size_t length = 0;
  for (size_t at = line_end; at != std::string::npos && at < head.size();) {
    auto next = head.find("\r\n", at + 2);
    auto line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      auto name = lower(line.substr(0, colon));
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers[name] = value;
      if (name == "content-length") length = std::stoul(value);
    }
    at = next;
  }
  while (pending_.size() < head_end + 4 + length)
    if (!fill()) return out;
  out.body = pending_.substr(head_end + 4, length);
  pending_.erase(0, head_end + 4 + length);
  // "HTTP/1.1 408 Request Timeout"
  auto space = status_line.find(' ');
  if (space != std::string::npos) out.status = std::stoi(status_line.substr(space + 1, 3));
  return out;
}

bool raw_client::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  pending_.clear();
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, poll_ms(deadline)) <= 0) return false;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return true;  // closed (0) or reset
  }
}

}  // namespace gateway_test
