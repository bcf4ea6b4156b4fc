// The LSA secret store. Wine's LsaStorePrivateData and LsaRetrievePrivateData are stubs that always answer
// "not found", so what can be checked here is the buffer handling (LSA_UNICODE_STRING lengths in bytes, no
// terminator, wiping) and that failures never carry the secret. The round trip through the real LSA is checked
// only where it exists (a Windows machine): there the last test stores, reads back and deletes a secret.
#include "platform/windows/windows_secret_store.h"

#include <gtest/gtest.h>

#include "tests/windows/windows_test_support.h"

namespace remediator::platform {
namespace {

const std::string kPassword = "S3cr\xC3\xA9t-P\xC3\xA4ss-\xF0\x9F\x94\x91";  // "S3crét-Päss-" and a key emoji

TEST(LsaTextTest, LengthsCountBytesOfUtf16) {
  auto text = LsaText::fromUtf8(kPassword, "secret value");
  ASSERT_TRUE(text);
  // 12 BMP characters and one astral character (two UTF-16 units) = 14 units = 28 bytes.
  EXPECT_EQ(text->lengthBytes(), 28);
  EXPECT_EQ(text->capacityBytes(), 30);
  EXPECT_EQ(std::wstring(text->data()), std::wstring(L"S3cr\u00e9t-P\u00e4ss-\U0001F511"));
}

TEST(LsaTextTest, RefusesWhatAnLsaStringCannotDescribeWithoutQuotingIt) {
  const std::string longest(32766, 'a');
  auto fits = LsaText::fromUtf8(longest, "secret value");
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->lengthBytes(), 65532);
  EXPECT_EQ(fits->capacityBytes(), 65534);

  auto tooLong = LsaText::fromUtf8(longest + "b", "secret value");
  ASSERT_FALSE(tooLong);
  EXPECT_EQ(tooLong.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tooLong.error().message.find("aaaa"), std::string::npos);

  auto notUtf8 = LsaText::fromUtf8("pass\xFFword", "secret value");
  ASSERT_FALSE(notUtf8);
  EXPECT_EQ(notUtf8.error().message.find("pass"), std::string::npos) << notUtf8.error().message;
  EXPECT_NE(notUtf8.error().message.find("secret value"), std::string::npos);
}

TEST(LsaTextTest, BufferFromTheLsaIsReadByItsLengthNotByATerminator) {
  const wchar_t buffer[] = L"pw\u00e4dXXXX";  // the LSA's length covers "pwäd" only
  auto secret = secretFromLsaBuffer(buffer, 4 * sizeof(wchar_t));
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->reveal(), "pw\xC3\xA4" "d");
  EXPECT_TRUE(secretFromLsaBuffer(nullptr, 0)->empty());
  auto odd = secretFromLsaBuffer(buffer, 3);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code, ErrorCode::kInvalidData);
}

TEST(WindowsSecretStoreTest, RoundTripWhereTheLsaExistsAndNoSecretInAnyError) {
  WindowsSecretStore store;
  const std::string name = "RemediatorTest_" + testing::uniqueSuffix();
  auto stored = store.store(name, Secret(kPassword));
  if (!stored) {
    // Wine: the stub fails. The message names the secret and the status, never the value.
    EXPECT_EQ(stored.error().message.find(kPassword), std::string::npos);
    EXPECT_EQ(stored.error().message.find("S3cr"), std::string::npos);
    EXPECT_NE(stored.error().message.find(name), std::string::npos) << stored.error().message;
    auto retrieved = store.retrieve(name);
    ASSERT_FALSE(retrieved);
    EXPECT_EQ(retrieved.error().code, ErrorCode::kNotFound);
    GTEST_SKIP() << "no LSA private data here (Wine stubs it): " << stored.error().message;
  }
  auto retrieved = store.retrieve(name);
  ASSERT_TRUE(retrieved) << retrieved.error().message;
  EXPECT_EQ(retrieved->reveal(), kPassword);
  ASSERT_TRUE(store.remove(name));
  EXPECT_EQ(store.retrieve(name).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store.remove(name)) << "removing an absent secret succeeds";
}

}  // namespace
}  // namespace remediator::platform
