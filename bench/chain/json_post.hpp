// One JSON POST on a kept-alive Poco session: what the HTTP chain's driver and its services send.
#pragma once

#include <string>
#include <utility>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace chain_bench {

/// POSTs `body` (application/json) to `path` and returns the status and the answer's body.
/// Throws Poco::Exception if the exchange fails.
inline std::pair<int, std::string> post_json(Poco::Net::HTTPClientSession& session,
                                             const std::string& path, const std::string& body) {
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path,
                             Poco::Net::HTTPMessage::HTTP_1_1);
  req.setContentType("application/json");
  req.setContentLength(static_cast<std::streamsize>(body.size()));
  req.setKeepAlive(true);
  session.sendRequest(req).write(body.data(), static_cast<std::streamsize>(body.size()));
  Poco::Net::HTTPResponse resp;
  std::string answer;
  Poco::StreamCopier::copyToString(session.receiveResponse(resp), answer);
  return {static_cast<int>(resp.getStatus()), std::move(answer)};
}

}  // namespace chain_bench
