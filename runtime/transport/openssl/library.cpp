// The entry of libcleave_tls.so (detail/tls_library.hpp): its table of functions.
#include "runtime/transport/detail/tls_library.hpp"
#include "runtime/transport/openssl/certificates.hpp"
#include "runtime/transport/openssl/context.hpp"

extern "C" __attribute__((visibility("default"))) const void* cleave_tls_library() {
  namespace ssl = cleave::transport::openssl;
  static const cleave::transport::detail::tls_library table{
      cleave::transport::detail::tls_library_abi, ssl::load_context, ssl::make_ca,
      ssl::make_identity, ssl::ensure_certs};
  return &table;
}
