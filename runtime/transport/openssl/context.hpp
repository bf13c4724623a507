// Node connections' TLS contexts (detail/tls.hpp) made with OpenSSL, inside libcleave_tls.so.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "runtime/transport/detail/tls.hpp"

namespace cleave::transport::openssl {

/// Loads the files into a new context; "" on success, else what failed (naming the file).
std::string load_context(const detail::tls_files& files, std::set<std::string> allowed,
                         std::shared_ptr<const detail::tls_context>& out);

}  // namespace cleave::transport::openssl
