// platform/signing.h over libsodium, the same library in the native and the mingw build.
#include "platform/signing.h"

#include <sodium.h>

namespace remediator::platform {
namespace {

static_assert(kSigningPublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kSigningSeedBytes == crypto_sign_SEEDBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

Result<void> ready() {
  // Safe to call from several threads and more than once; < 0 only when no random source can be opened.
  if (sodium_init() < 0) return fail(ErrorCode::kFailed, "the crypto library (libsodium) could not start");
  return {};
}

}  // namespace

Result<SigningKeyPair> generateSigningKeyPair() {
  if (auto ok = ready(); !ok) return ok.error();
  SigningKeyPair pair;
  pair.seed.resize(kSigningSeedBytes);
  randombytes_buf(pair.seed.data(), pair.seed.size());
  auto publicKey = signingPublicKey(pair.seed);
  if (!publicKey) return publicKey.error();
  pair.publicKey = std::move(*publicKey);
  return pair;
}

namespace {

/// libsodium's key pair of `seed` (its secret key holds the seed and the public key); the caller wipes it.
struct DerivedKeys {
  std::string publicKey = std::string(kSigningPublicKeyBytes, '\0');
  std::string secretKey = std::string(crypto_sign_SECRETKEYBYTES, '\0');
  ~DerivedKeys() { wipeSecret(secretKey); }
};

Result<void> derive(std::string_view seed, DerivedKeys& keys) {
  if (auto ok = ready(); !ok) return ok.error();
  if (seed.size() != kSigningSeedBytes) {
    return fail(ErrorCode::kInvalidArgument, "a signing key's seed has " + std::to_string(kSigningSeedBytes) + " bytes");
  }
  crypto_sign_seed_keypair(bytes(keys.publicKey), bytes(keys.secretKey), bytes(seed));
  return {};
}

}  // namespace

Result<std::string> signingPublicKey(std::string_view seed) {
  DerivedKeys keys;
  if (auto ok = derive(seed, keys); !ok) return ok.error();
  return keys.publicKey;
}

Result<std::string> signDetached(std::string_view message, std::string_view seed) {
  DerivedKeys keys;
  if (auto ok = derive(seed, keys); !ok) return ok.error();
  std::string signature(kSignatureBytes, '\0');
  crypto_sign_detached(bytes(signature), nullptr, bytes(message), message.size(), bytes(keys.secretKey));
  return signature;
}

bool verifyDetached(std::string_view message, std::string_view signature, std::string_view publicKey) {
  if (!ready()) return false;
  if (signature.size() != kSignatureBytes || publicKey.size() != kSigningPublicKeyBytes) return false;
  return crypto_sign_verify_detached(bytes(signature), bytes(message), message.size(), bytes(publicKey)) == 0;
}

std::string signingKeyId(std::string_view publicKey) {
  unsigned char digest[crypto_generichash_BYTES_MIN];  // 16, the shortest BLAKE2b output libsodium gives
  crypto_generichash(digest, sizeof digest, bytes(publicKey), publicKey.size(), nullptr, 0);
  char hex[2 * 8 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, 8);
  return hex;
}

std::string encodeBase64(std::string_view data) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string text(sodium_base64_ENCODED_LEN(data.size(), kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes(data), data.size(), kVariant);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

std::optional<std::string> decodeBase64(std::string_view text) {
  std::string data(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(bytes(data), data.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  data.resize(length);
  return data;
}

void wipeSecret(std::string& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

}  // namespace remediator::platform
