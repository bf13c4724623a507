// OpenSSL's error queue as text, for the messages of libcleave_tls.so.
#pragma once

#include <openssl/err.h>

#include <string>

namespace cleave::transport::openssl {

/// The OpenSSL errors queued on this thread, as one line (and clears them).
inline std::string take_errors() {
  std::string out;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string{buf};
  }
  return out;
}

}  // namespace cleave::transport::openssl
