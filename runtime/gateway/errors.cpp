#include "runtime/gateway/errors.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "runtime/core/error.hpp"

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
  if (err.category() != error_category) return 500;
  switch (static_cast<errc>(err.code())) {
    case errc::invalid_argument:
      return 400;
    case errc::not_found:
      return 404;
    case errc::already_exists:
      return 409;
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

http_response error_reply(int status, std::string message) {
  boost::json::object body;
  body["error"] = valid_utf8(std::move(message));
  return json_reply(status, boost::json::serialize(body));
}

http_response error_reply(const caf::error& err) {
  return error_reply(http_status(err), describe(err));
}

}  // namespace cleave
