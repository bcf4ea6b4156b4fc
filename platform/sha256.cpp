#include "platform/sha256.h"

#if defined(_WIN32)
#include <sodium.h>
#else
#include <openssl/evp.h>
#endif

#include <array>
#include <stdexcept>

namespace remediator::platform {

namespace {

std::string toHex(const unsigned char* digest, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace

std::string sha256Hex(std::string_view a, std::string_view b) {
  std::array<unsigned char, 32> digest{};
#if defined(_WIN32)
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  crypto_hash_sha256_final(&state, digest.data());
#else
  // One context per thread, reused: creating one per record costs more than hashing a record.
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context context;
  unsigned int size = 0;
  if (context.ctx == nullptr || EVP_DigestInit_ex(context.ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(context.ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest.data(), &size) != 1 || size != digest.size()) {
    throw std::runtime_error("libcrypto SHA-256 failed");
  }
#endif
  return toHex(digest.data(), digest.size());
}

}  // namespace remediator::platform
