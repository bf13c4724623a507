#include "runtime/gateway/errors.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"
#include "runtime/core/log.hpp"

namespace cleave {

namespace {

/// Length of the valid UTF-8 sequence starting at `s[i]`, or 0 if there is none. Messages quote
/// client input (paths, field values), which need not be UTF-8; Boost.JSON would copy such bytes
/// as they are and produce a body that strict clients refuse.
size_t utf8_sequence(const std::string& s, size_t i) {
  auto byte = [&](size_t k) {
    return static_cast<unsigned char>(s[k]);
  };
  auto cont = [&](size_t k) {
    return k < s.size() && (byte(k) & 0xC0) == 0x80;
  };
  unsigned char b = byte(i);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    unsigned char b1 = byte(i + 1);
    if (b == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b == 0xED && b1 >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    unsigned char b1 = byte(i + 1);
    if (b == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

std::string valid_utf8(std::string s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    auto n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace

int http_status(const caf::error& err) {
  if (auto app = app_error_status(err)) return app;
  if (err.category() != error_category) return 500;
  switch (static_cast<errc>(err.code())) {
    case errc::invalid_argument:
      return 400;
    case errc::unauthenticated:
      return 401;
    case errc::permission_denied:
      return 403;
    case errc::not_found:
      return 404;
    case errc::already_exists:
    case errc::failed_precondition:
      return 409;
    case errc::resource_exhausted:
      return 429;
    case errc::deadline_exceeded:
    case errc::outcome_unknown:
      return 504;
    case errc::unavailable:
    case errc::unknown_component:
      return 503;
    default:
      return 500;
  }
}

bool client_caused(int status) {
  return status >= 400 && status <= 499;
}

std::string public_message(const caf::error& err) {
  if (is(err, errc::outcome_unknown)) return "outcome unknown; the request may have been applied";
  switch (http_status(err)) {
    case 503:
      return "service unavailable; the request was not applied, it may be retried";
    case 504:
      return "deadline exceeded; the request may have been applied";
    default:
      return "internal error";
  }
}

http_response error_reply(int status, std::string message, std::string_view request_id) {
  boost::json::object body;
  body["error"] = valid_utf8(std::move(message));
  body["request_id"] = valid_utf8(std::string{request_id});
  return json_reply(status, boost::json::serialize(body));
}

http_response error_reply(const caf::error& err, std::string_view request_id,
                          const error_reporting& how) {
  auto status = http_status(err);
  if (client_caused(status)) return error_reply(status, describe(err), request_id);
  auto detail = describe(err);
  try {
    log(status == 500 ? "error" : "warning", how.node, "request failed",
        {{"component", how.component},
         {"request_id", request_id},
         {"status", status},
         {"error", detail}});
  } catch (...) {
    // Logging must not keep the client from its answer.
  }
  return error_reply(status, how.expose ? std::move(detail) : public_message(err), request_id);
}

}  // namespace cleave
