#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/result.h"

namespace remediator::policies {

/// The text forms of policy signing keys and signatures (Ed25519, platform/signing.h). Every form is one line
/// that names the algorithm and the key id, so that rotation and every error can say which key is meant:
///
///   public key   ed25519:<id>:<base64 of the 32-byte key>           (POLICY_KEYS, policy-keys, keygen's .pub)
///   signature    ed25519:<id>:<base64 of the 64-byte signature>     (FILE.sig, beside the policy)
///   private key  ed25519-private:<id>:<base64 of the 32-byte seed>  (keygen's .key, with '#' comment lines)
///
/// <id> is 16 hex digits derived from the public key (platform::signingKeyId), so a key that lost or changed a
/// character is refused as "does not match its id" instead of being trusted as another key.

/// A trusted public key.
struct PolicyKey {
  std::string id;         ///< 16 hex digits
  std::string publicKey;  ///< 32 raw bytes
  bool operator==(const PolicyKey&) const = default;
};

/// A detached signature of a policy file's bytes.
struct PolicySignature {
  std::string keyId;      ///< the key it claims to be made by
  std::string signature;  ///< 64 raw bytes
};

/// A private signing key; its seed is wiped when the object goes.
struct PolicyPrivateKey {
  std::string id;
  std::string seed;  ///< 32 raw bytes, secret
  PolicyPrivateKey() = default;
  PolicyPrivateKey(std::string keyId, std::string keySeed) : id(std::move(keyId)), seed(std::move(keySeed)) {}
  PolicyPrivateKey(PolicyPrivateKey&&) = default;
  PolicyPrivateKey& operator=(PolicyPrivateKey&&) = default;
  ~PolicyPrivateKey();
};

/// Parses one public key line (surrounding white space allowed). Errors (kInvalidData) say what is wrong
/// without echoing more than the key's id.
platform::Result<PolicyKey> parsePublicKey(std::string_view text);
std::string formatPublicKey(const PolicyKey& key);

/// Parses a list of public keys separated by commas or line breaks (POLICY_KEYS, the native policy-keys
/// file); blank items and lines starting with '#' are skipped, a key given twice counts once. `name` starts
/// every error ("HKLM\SOFTWARE\Remediator PolicyKeys: item 2: ...").
platform::Result<std::vector<PolicyKey>> parseKeyList(std::string_view text, const std::string& name);

/// Parses a signature file: one signature line, white space and a final line break allowed around it.
platform::Result<PolicySignature> parseSignature(std::string_view text);
std::string formatSignature(const PolicySignature& signature);

/// Parses a private key file: comment lines ('#') and one ed25519-private line. Errors never show the seed.
platform::Result<PolicyPrivateKey> parsePrivateKey(std::string_view text);
/// The private key file keygen writes: comment lines naming the public key, then the ed25519-private line.
std::string formatPrivateKeyFile(const PolicyPrivateKey& key, const PolicyKey& publicKey);

/// A new key pair.
struct PolicyKeyPair {
  PolicyKey publicKey;
  PolicyPrivateKey privateKey;
};
platform::Result<PolicyKeyPair> generatePolicyKeyPair();

/// The signature line (formatSignature) of `text` by `key`.
platform::Result<std::string> signPolicy(std::string_view text, const PolicyPrivateKey& key);

/// Checks `signatureText` (a signature file's content) against the exact bytes `text` with the keys `trusted`.
/// Returns the id of the key that signed; errors (kPermissionDenied) say why, naming the key ids: not a
/// signature, signed by a key that is not trusted, or a signature that does not match the bytes.
platform::Result<std::string> verifyPolicySignature(std::string_view text, std::string_view signatureText,
                                                    const std::vector<PolicyKey>& trusted);

/// The ids of `keys`, comma-separated, for messages.
std::string keyIds(const std::vector<PolicyKey>& keys);

}  // namespace remediator::policies
