#include "policies/policy_signature.h"

#include <algorithm>

#include "platform/signing.h"
#include "policies/value_syntax.h"

namespace remediator::policies {

using platform::ErrorCode;
using platform::fail;
using platform::Result;

namespace {

constexpr std::string_view kAlgorithm = "ed25519";
constexpr std::string_view kPrivateAlgorithm = "ed25519-private";
constexpr std::size_t kIdDigits = 16;

/// The three fields of "<algorithm>:<id>:<base64>".
struct KeyLine {
  std::string_view algorithm;
  std::string_view id;
  std::string_view data;
};

bool isLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// What the reader of a message may be shown of an id: the id when it looks like one, else nothing.
std::string shownId(std::string_view id) {
  return id.size() == kIdDigits && isLowerHex(id) ? " " + std::string(id) : std::string();
}

/// Splits and checks the frame of a line; `what` ("a public key") starts the error.
Result<KeyLine> splitLine(std::string_view text, std::string_view algorithm, const std::string& what) {
  text = trimView(text);
  const std::string expected = what + " is written " + std::string(algorithm) + ":<16 hex digits>:<base64>";
  const auto first = text.find(':');
  const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos || text.find(':', second + 1) != std::string_view::npos) {
    return fail(ErrorCode::kInvalidData, "not " + what + ": " + expected);
  }
  KeyLine line{text.substr(0, first), text.substr(first + 1, second - first - 1), text.substr(second + 1)};
  if (line.algorithm != algorithm) {
    return fail(ErrorCode::kInvalidData, "not " + what + ": " + expected +
                                             (line.algorithm == kAlgorithm || line.algorithm == kPrivateAlgorithm
                                                  ? " (this is a " + std::string(line.algorithm) + " line)"
                                                  : ""));
  }
  if (line.id.size() != kIdDigits || !isLowerHex(line.id)) {
    return fail(ErrorCode::kInvalidData, what + ": the key id must be 16 lower-case hex digits");
  }
  return line;
}

Result<std::string> decodeField(const KeyLine& line, std::size_t bytes, const std::string& what) {
  auto data = platform::decodeBase64(line.data);
  if (!data || data->size() != bytes) {
    if (data) platform::wipeSecret(*data);
    return fail(ErrorCode::kInvalidData, what + shownId(line.id) + ": expected base64 of " + std::to_string(bytes) +
                                             " bytes after the key id (is it cut short?)");
  }
  return std::move(*data);
}

/// The pieces of `text` between any of `separators`, trimmed; blank pieces and '#' comments are skipped.
std::vector<std::string_view> meaningfulPieces(std::string_view text, const char* separators) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(separators, start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view piece = trimView(text.substr(start, end - start));
    start = end + 1;
    if (!piece.empty() && piece.front() != '#') pieces.push_back(piece);
  }
  return pieces;
}

}  // namespace

PolicyPrivateKey::~PolicyPrivateKey() { platform::wipeSecret(seed); }

Result<PolicyKey> parsePublicKey(std::string_view text) {
  auto line = splitLine(text, kAlgorithm, "a public key");
  if (!line) return line.error();
  auto key = decodeField(*line, platform::kSigningPublicKeyBytes, "public key");
  if (!key) return key.error();
  if (platform::signingKeyId(*key) != line->id) {
    return fail(ErrorCode::kInvalidData, "public key " + std::string(line->id) +
                                             ": the key does not match its id (a character changed or is missing)");
  }
  return PolicyKey{std::string(line->id), std::move(*key)};
}

std::string formatPublicKey(const PolicyKey& key) {
  return std::string(kAlgorithm) + ":" + key.id + ":" + platform::encodeBase64(key.publicKey);
}

Result<std::vector<PolicyKey>> parseKeyList(std::string_view text, const std::string& name) {
  std::vector<PolicyKey> keys;
  int item = 0;
  for (std::string_view piece : meaningfulPieces(text, ",\n")) {
    ++item;
    auto key = parsePublicKey(piece);
    if (!key) return fail(ErrorCode::kInvalidData, name + ": item " + std::to_string(item) + ": " + key.error().message);
    if (std::find(keys.begin(), keys.end(), *key) == keys.end()) keys.push_back(std::move(*key));
  }
  return keys;
}

Result<PolicySignature> parseSignature(std::string_view text) {
  auto line = splitLine(text, kAlgorithm, "a signature");
  if (!line) return line.error();
  auto signature = decodeField(*line, platform::kSignatureBytes, "the signature by key");
  if (!signature) return signature.error();
  return PolicySignature{std::string(line->id), std::move(*signature)};
}

std::string formatSignature(const PolicySignature& signature) {
  return std::string(kAlgorithm) + ":" + signature.keyId + ":" + platform::encodeBase64(signature.signature);
}

Result<PolicyPrivateKey> parsePrivateKey(std::string_view text) {
  const auto lines = meaningfulPieces(text, "\n");
  if (lines.size() != 1) {
    return fail(ErrorCode::kInvalidData, "not a private key file: expected one ed25519-private line (made by "
                                         "`remediator policy keygen`)" +
                                             std::string(lines.size() > 1 ? ", found several" : ""));
  }
  auto line = splitLine(lines.front(), kPrivateAlgorithm, "a private key");
  if (!line) return line.error();
  auto seed = decodeField(*line, platform::kSigningSeedBytes, "private key");
  if (!seed) return seed.error();
  PolicyPrivateKey key(std::string(line->id), std::move(*seed));
  auto publicKey = platform::signingPublicKey(key.seed);
  if (!publicKey) return publicKey.error();
  if (platform::signingKeyId(*publicKey) != key.id) {
    return fail(ErrorCode::kInvalidData, "private key " + key.id + ": the key does not match its id (the file was "
                                                                   "changed or damaged)");
  }
  return key;
}

std::string formatPrivateKeyFile(const PolicyPrivateKey& key, const PolicyKey& publicKey) {
  return "# Remediator policy signing key " + key.id +
         ": SECRET. Keep it on the administrator's machine; no client needs it.\n"
         "# Its public key (for POLICY_KEYS): " +
         formatPublicKey(publicKey) + "\n" + std::string(kPrivateAlgorithm) + ":" + key.id + ":" +
         platform::encodeBase64(key.seed) + "\n";
}

Result<PolicyKeyPair> generatePolicyKeyPair() {
  auto pair = platform::generateSigningKeyPair();
  if (!pair) return pair.error();
  PolicyKeyPair keys;
  keys.publicKey = PolicyKey{platform::signingKeyId(pair->publicKey), pair->publicKey};
  keys.privateKey = PolicyPrivateKey(keys.publicKey.id, std::move(pair->seed));
  platform::wipeSecret(pair->seed);
  return keys;
}

Result<std::string> signPolicy(std::string_view text, const PolicyPrivateKey& key) {
  auto signature = platform::signDetached(text, key.seed);
  if (!signature) return signature.error();
  return formatSignature(PolicySignature{key.id, std::move(*signature)}) + "\n";
}

Result<std::string> verifyPolicySignature(std::string_view text, std::string_view signatureText,
                                          const std::vector<PolicyKey>& trusted) {
  auto signature = parseSignature(signatureText);
  if (!signature) return fail(ErrorCode::kPermissionDenied, signature.error().message);
  const auto key = std::find_if(trusted.begin(), trusted.end(),
                                [&](const PolicyKey& k) { return k.id == signature->keyId; });
  if (key == trusted.end()) {
    return fail(ErrorCode::kPermissionDenied, "signed by key " + signature->keyId +
                                                  ", which is not a trusted key (trusted: " + keyIds(trusted) + ")");
  }
  if (!platform::verifyDetached(text, signature->signature, key->publicKey)) {
    return fail(ErrorCode::kPermissionDenied,
                "the signature by key " + key->id +
                    " does not match the policy's bytes (changed after it was signed, or signed another file)");
  }
  return key->id;
}

std::string keyIds(const std::vector<PolicyKey>& keys) {
  std::string ids;
  for (const auto& key : keys) ids += (ids.empty() ? "" : ", ") + key.id;
  return ids.empty() ? "none" : ids;
}

}  // namespace remediator::policies
