// The text forms of keys and signatures, and the check of a policy's bytes against trusted keys.
#include "policies/policy_signature.h"

#include <gtest/gtest.h>

#include "platform/signing.h"

namespace remediator::policies {
namespace {

PolicyKeyPair newPair() {
  auto pair = generatePolicyKeyPair();
  EXPECT_TRUE(pair.ok()) << pair.error().message;
  return std::move(*pair);
}

const std::string kText = "[service]\nserver = S\nserial = 7\n";

TEST(PolicySignatureTest, KeyLinesRoundTripAndNameTheirAlgorithmAndId) {
  auto pair = newPair();
  const std::string line = formatPublicKey(pair.publicKey);
  EXPECT_EQ(line.rfind("ed25519:" + pair.publicKey.id + ":", 0), 0u) << line;
  EXPECT_EQ(pair.publicKey.id.size(), 16u);
  auto parsed = parsePublicKey("  " + line + "\r\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, pair.publicKey);
  auto privateKey = parsePrivateKey(formatPrivateKeyFile(pair.privateKey, pair.publicKey));
  ASSERT_TRUE(privateKey.ok()) << privateKey.error().message;
  EXPECT_EQ(privateKey->id, pair.publicKey.id);
  EXPECT_EQ(privateKey->seed, pair.privateKey.seed);
}

TEST(PolicySignatureTest, SignedBytesVerifyAndAnyChangeDoesNot) {
  auto pair = newPair();
  auto signature = signPolicy(kText, pair.privateKey);
  ASSERT_TRUE(signature.ok());
  auto keyId = verifyPolicySignature(kText, *signature, {pair.publicKey});
  ASSERT_TRUE(keyId.ok()) << keyId.error().message;
  EXPECT_EQ(*keyId, pair.publicKey.id);
  // One byte more, one byte changed, CR LF for LF: each is another policy.
  for (const std::string& other : {kText + " ", std::string("[service]\nserver = T\nserial = 7\n"),
                                   std::string("[service]\r\nserver = S\r\nserial = 7\r\n")}) {
    auto tampered = verifyPolicySignature(other, *signature, {pair.publicKey});
    ASSERT_FALSE(tampered.ok());
    EXPECT_EQ(tampered.error().code, platform::ErrorCode::kPermissionDenied);
    EXPECT_NE(tampered.error().message.find("does not match the policy's bytes"), std::string::npos)
        << tampered.error().message;
  }
}

TEST(PolicySignatureTest, ASignatureByAnUntrustedKeyNamesBothKeys) {
  auto trusted = newPair();
  auto attacker = newPair();
  auto signature = signPolicy(kText, attacker.privateKey);
  ASSERT_TRUE(signature.ok());
  auto verdict = verifyPolicySignature(kText, *signature, {trusted.publicKey});
  ASSERT_FALSE(verdict.ok());
  EXPECT_NE(verdict.error().message.find("signed by key " + attacker.publicKey.id + ", which is not a trusted key"),
            std::string::npos)
      << verdict.error().message;
  EXPECT_NE(verdict.error().message.find(trusted.publicKey.id), std::string::npos);
}

TEST(PolicySignatureTest, AForgedIdDoesNotBorrowATrustedKey) {
  // The attacker's signature relabelled with the trusted key's id: the bytes do not verify under that key.
  auto trusted = newPair();
  auto attacker = newPair();
  auto signature = parseSignature(*signPolicy(kText, attacker.privateKey));
  ASSERT_TRUE(signature.ok());
  signature->keyId = trusted.publicKey.id;
  auto verdict = verifyPolicySignature(kText, formatSignature(*signature), {trusted.publicKey});
  ASSERT_FALSE(verdict.ok());
  EXPECT_NE(verdict.error().message.find("does not match"), std::string::npos) << verdict.error().message;
}

TEST(PolicySignatureTest, RotationTrustsEitherKeyOfAList) {
  auto oldKey = newPair();
  auto newKey = newPair();
  const std::string list = formatPublicKey(oldKey.publicKey) + ", " + formatPublicKey(newKey.publicKey) + "," +
                           formatPublicKey(oldKey.publicKey);
  auto keys = parseKeyList(list, "POLICY_KEYS");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);  // the repeated key counts once
  EXPECT_TRUE(verifyPolicySignature(kText, *signPolicy(kText, oldKey.privateKey), *keys).ok());
  EXPECT_TRUE(verifyPolicySignature(kText, *signPolicy(kText, newKey.privateKey), *keys).ok());
  auto file = parseKeyList("# the fleet's keys\n" + formatPublicKey(newKey.publicKey) + "\n\n", "policy-keys");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->size(), 1u);
}

TEST(PolicySignatureTest, MalformedKeysAreRefusedNamingTheItem) {
  auto pair = newPair();
  std::string line = formatPublicKey(pair.publicKey);
  std::string changed = line;
  changed[30] = changed[30] == 'A' ? 'B' : 'A';  // one base64 character of the key
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {changed, "does not match its id"},
           {line.substr(0, line.size() - 4), "expected base64 of 32 bytes"},
           {"rsa:" + pair.publicKey.id + ":AAAA", "not a public key"},
           {"ed25519:XYZ:AAAA", "16 lower-case hex digits"},
           {"ed25519-private:" + pair.publicKey.id + ":AAAA", "this is a ed25519-private line"},
           {"ed25519", "not a public key"},
           {line + ":extra", "not a public key"},
       }) {
    auto parsed = parseKeyList(formatPublicKey(pair.publicKey) + "," + c.text, "POLICY_KEYS");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.error().message.rfind("POLICY_KEYS: item 2: ", 0), 0u) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find(c.expected), std::string::npos) << parsed.error().message;
  }
}

TEST(PolicySignatureTest, MalformedSignaturesAreRefused) {
  auto pair = newPair();
  for (const std::string& text : {std::string(), std::string("garbage"), std::string("ed25519:0123456789abcdef:"),
                                  formatPublicKey(pair.publicKey),  // a key is not a signature (32 bytes, not 64)
                                  *signPolicy(kText, pair.privateKey) + *signPolicy(kText, pair.privateKey)}) {
    auto verdict = verifyPolicySignature(kText, text, {pair.publicKey});
    ASSERT_FALSE(verdict.ok()) << text;
    EXPECT_EQ(verdict.error().code, platform::ErrorCode::kPermissionDenied);
  }
}

TEST(PolicySignatureTest, APrivateKeyErrorNeverShowsTheSeed) {
  auto pair = newPair();
  const std::string seedText = platform::encodeBase64(pair.privateKey.seed);
  std::string file = formatPrivateKeyFile(pair.privateKey, pair.publicKey);
  // Another key's id on this seed: refused, and neither the seed nor the file is echoed.
  const auto at = file.find("ed25519-private:") + 16;
  file.replace(at, 16, "0123456789abcdef");
  auto parsed = parsePrivateKey(file);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message.find(seedText), std::string::npos);
  EXPECT_NE(parsed.error().message.find("does not match its id"), std::string::npos) << parsed.error().message;
  auto twice = parsePrivateKey(file + file);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message.find(seedText), std::string::npos);
}

}  // namespace
}  // namespace remediator::policies
