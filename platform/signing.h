#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "platform/result.h"

namespace remediator::platform {

/// Ed25519 detached signatures (libsodium's crypto_sign), the only crypto the product does itself. Keys and
/// signatures are raw bytes in std::string; what they look like as text is the policies layer's business.
/// No libsodium header leaks from here.
inline constexpr std::size_t kSigningPublicKeyBytes = 32;
inline constexpr std::size_t kSigningSeedBytes = 32;  ///< the private key: the seed the key pair is derived from
inline constexpr std::size_t kSignatureBytes = 64;

/// A new key pair.
struct SigningKeyPair {
  std::string publicKey;  ///< kSigningPublicKeyBytes
  std::string seed;       ///< kSigningSeedBytes; secret
};

/// Makes a key pair from the OS's random source. Fails only when the crypto library cannot start.
Result<SigningKeyPair> generateSigningKeyPair();

/// The public key of the key pair derived from `seed`, or kInvalidArgument for a seed of the wrong size.
Result<std::string> signingPublicKey(std::string_view seed);

/// The detached signature (kSignatureBytes) of `message` with the key derived from `seed`.
Result<std::string> signDetached(std::string_view message, std::string_view seed);

/// Whether `signature` is a valid signature of exactly `message` by `publicKey`. Wrong sizes are invalid.
bool verifyDetached(std::string_view message, std::string_view signature, std::string_view publicKey);

/// A short name for a public key that is also a checksum of it: the first 8 bytes of its BLAKE2b hash, as 16
/// lower-case hex digits. Key files and signatures carry it, so a truncated or mistyped key is caught and errors
/// can say which key signed.
std::string signingKeyId(std::string_view publicKey);

/// Standard base64 with padding.
std::string encodeBase64(std::string_view bytes);
/// Decodes standard base64 with padding; nullopt for anything else (other characters, bad padding, spaces).
std::optional<std::string> decodeBase64(std::string_view text);

/// Overwrites a secret in place before it is freed (a plain memset may be optimised away).
void wipeSecret(std::string& secret);

}  // namespace remediator::platform
