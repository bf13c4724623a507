#include "bench/chain/http_loop.hpp"

#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPResponse.h>
#include <boost/json.hpp>

#include "bench/chain/chain_components.hpp"
#include "bench/chain/json_post.hpp"

namespace chain_bench {

namespace {

namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

/// Every step adds 1 on the way down.
constexpr int64_t hops = 4;

/// One request: sends the body, reads and checks the answer.
void post_once(Poco::Net::HTTPClientSession& session, const std::string& path) {
  const std::string body = json::serialize(json::object{{"payload", payload16}, {"counter", 0}});
  auto [status, answer] = post_json(session, path, body);
  if (status != Poco::Net::HTTPResponse::HTTP_OK)
    throw std::runtime_error("POST " + path + " answered " + std::to_string(status) + ": " +
                             answer);
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
