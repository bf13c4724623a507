#include "bench/chain/http_loop.hpp"

#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <boost/json.hpp>

#include "bench/chain/chain_components.hpp"

namespace chain_bench {

namespace {

namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

/// Every step adds 1 on the way down.
constexpr int64_t hops = 4;

/// One request: sends the body, reads and checks the answer.
void post_once(Poco::Net::HTTPClientSession& session, const std::string& path) {
  const std::string body = json::serialize(json::object{{"payload", payload16}, {"counter", 0}});
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path,
                             Poco::Net::HTTPMessage::HTTP_1_1);
  req.setContentType("application/json");
  req.setContentLength(static_cast<std::streamsize>(body.size()));
  req.setKeepAlive(true);
  session.sendRequest(req).write(body.data(), static_cast<std::streamsize>(body.size()));
  Poco::Net::HTTPResponse resp;
  std::string answer;
  Poco::StreamCopier::copyToString(session.receiveResponse(resp), answer);
  if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
    throw std::runtime_error("POST " + path + " answered " + std::to_string(resp.getStatus()) +
                             ": " + answer);
  boost::system::error_code ec;
  json::value v = json::parse(answer, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* counter = o ? o->if_contains("counter") : nullptr;
  const json::value* payload = o ? o->if_contains("payload") : nullptr;
  if (!counter || !counter->is_int64() || counter->get_int64() != hops || !payload ||
      !payload->is_string() || payload->get_string() != payload16)
    throw std::runtime_error("POST " + path + " answered " + answer + ", expected counter " +
                             std::to_string(hops));
}

}  // namespace

std::vector<double> run_http_loop(uint16_t port, const std::string& path, const loop_plan& plan) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setKeepAlive(true);
  session.setTimeout(Poco::Timespan(5, 0));
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(plan.max_samples));
  try {
    for (int i = 0; i < plan.warmup; ++i) post_once(session, path);
    auto stop_at = clock_type::now() + plan.budget;
    while (static_cast<int>(samples.size()) < plan.max_samples) {
      auto start = clock_type::now();
      post_once(session, path);
      auto end = clock_type::now();
      samples.push_back(micros(end - start));
      if (end >= stop_at) break;
    }
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("POST " + path + " on port " + std::to_string(port) + ": " +
                             e.displayText());
  }
  return samples;
}

}  // namespace chain_bench
