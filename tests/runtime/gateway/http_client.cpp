#include "tests/runtime/gateway/http_client.hpp"

#include <cctype>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace gateway_test {

http_reply http(uint16_t port, const http_call& call) {
  http_reply out;
  try {
    Poco::Net::HTTPClientSession session{"127.0.0.1", port};
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

}  // namespace gateway_test
