#pragma once

#include <cstddef>
#include <string>

#include "platform/secret_store.h"

namespace remediator::platform {

/// Secrets kept as LSA private data (LsaStorePrivateData / LsaRetrievePrivateData), where Winlogon looks for
/// the autologon password (the secret "DefaultPassword"). Needs administrator rights or LocalSystem. Error
/// messages name the secret and the LSA status, never the value.
///
/// Wine implements these two calls as stubs that always answer "not found": under Wine retrieve() reports
/// kNotFound and store() fails, so tests there use MemorySecretStore and cover the buffer handling below.
class WindowsSecretStore final : public SecretStore {
 public:
  Result<Secret> retrieve(const std::string& name) const override;
  Result<void> store(const std::string& name, const Secret& secret) override;
  Result<void> remove(const std::string& name) override;
};

/// A UTF-16 string laid out for an LSA_UNICODE_STRING: `Length` and `MaximumLength` count bytes, not
/// characters, the buffer needs no terminating NUL, and 32766 characters is the most it can describe (with
/// its NUL, in bytes, in an unsigned short). The
/// buffer is wiped when the object dies, because it may hold a password. Exposed so that tests can check the
/// layout where the LSA itself is not available (Wine).
class LsaText {
 public:
  /// kInvalidArgument for text that is not UTF-8 or is longer than an LSA_UNICODE_STRING can describe; the
  /// message says which `what` ("secret name", "secret value") without quoting the text.
  static Result<LsaText> fromUtf8(const std::string& text, const char* what);
  LsaText(LsaText&& other) noexcept;
  LsaText& operator=(LsaText&&) = delete;
  LsaText(const LsaText&) = delete;
  LsaText& operator=(const LsaText&) = delete;
  ~LsaText();

  /// Bytes of text (the LSA_UNICODE_STRING's Length).
  unsigned short lengthBytes() const { return static_cast<unsigned short>(buffer_.size() * sizeof(wchar_t)); }
  /// Bytes of the buffer (MaximumLength): the text plus a NUL, for callers that print it.
  unsigned short capacityBytes() const { return static_cast<unsigned short>(lengthBytes() + sizeof(wchar_t)); }
  /// The UTF-16 units, NUL-terminated for convenience.
  wchar_t* data() { return buffer_.data(); }

 private:
  explicit LsaText(std::wstring buffer) : buffer_(std::move(buffer)) {}
  std::wstring buffer_;
};

/// UTF-8 text from the `lengthBytes` bytes at `data` that an LSA_UNICODE_STRING describes. kInvalidData when
/// the length is odd (not whole UTF-16 units). Stops at nothing: the LSA's strings carry no terminator.
Result<Secret> secretFromLsaBuffer(const wchar_t* data, std::size_t lengthBytes);

}  // namespace remediator::platform
