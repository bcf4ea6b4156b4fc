#include "platform/windows/windows_secret_store.h"

#include <windows.h>
#include <ntsecapi.h>

#include <cstdio>

#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {
namespace {

// ntstatus.h clashes with winnt.h in mingw; these are the two statuses this file tells apart.
constexpr NTSTATUS kStatusSuccess = 0;
constexpr NTSTATUS kStatusObjectNameNotFound = static_cast<NTSTATUS>(0xC0000034L);
constexpr std::size_t kMaxLsaChars = 32766;  // MaximumLength (text plus NUL, in bytes) must fit a USHORT

std::string describe(const std::string& name) { return "LSA secret '" + name + "'"; }

Error lsaFailure(const std::string& what, const std::string& name, NTSTATUS status) {
  const ULONG win32 = ::LsaNtStatusToWinError(status);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(status));
  Error error = win32Failure(what, describe(name), win32);
  error.message += " [NTSTATUS " + std::string(hex) + "]";
  return error;
}

using PolicyHandle = OwnedHandle<LSA_HANDLE, &::LsaClose>;

Result<void> openPolicy(ACCESS_MASK access, const std::string& name, PolicyHandle& policy) {
  LSA_OBJECT_ATTRIBUTES attributes{};
  const NTSTATUS status = ::LsaOpenPolicy(nullptr, &attributes, access, policy.out());
  if (status != kStatusSuccess) return lsaFailure("open the local security policy for", name, status);
  return {};
}

LSA_UNICODE_STRING view(LsaText& text) {
  LSA_UNICODE_STRING s;
  s.Length = text.lengthBytes();
  s.MaximumLength = text.capacityBytes();
  s.Buffer = text.data();
  return s;
}

}  // namespace

Result<LsaText> LsaText::fromUtf8(const std::string& text, const char* what) {
  auto wide = toWide(text);
  if (!wide) return fail(ErrorCode::kInvalidArgument, std::string(what) + " is not valid UTF-8");
  if (wide->size() > kMaxLsaChars) {
    const std::size_t size = wide->size();
    secureWipe(wide->data(), size * sizeof(wchar_t));
    return fail(ErrorCode::kInvalidArgument, std::string(what) + " is " + std::to_string(size) +
                                                 " UTF-16 characters long; the LSA takes at most " +
                                                 std::to_string(kMaxLsaChars));
  }
  return LsaText(std::move(*wide));
}

LsaText::LsaText(LsaText&& other) noexcept : buffer_(std::move(other.buffer_)) {
  other.buffer_.clear();
}

LsaText::~LsaText() {
  buffer_.resize(buffer_.capacity());
  secureWipe(buffer_.data(), buffer_.size() * sizeof(wchar_t));
}

Result<Secret> secretFromLsaBuffer(const wchar_t* data, std::size_t lengthBytes) {
  if (lengthBytes % sizeof(wchar_t) != 0) {
    return fail(ErrorCode::kInvalidData, "the LSA returned a secret of " + std::to_string(lengthBytes) +
                                             " bytes, which is not whole UTF-16 characters");
  }
  if (data == nullptr || lengthBytes == 0) return Secret();
  std::string utf8 = toUtf8(std::wstring_view(data, lengthBytes / sizeof(wchar_t)));
  Secret secret(utf8);
  secureWipe(utf8.data(), utf8.size());
  return secret;
}

Result<Secret> WindowsSecretStore::retrieve(const std::string& name) const {
  auto key = LsaText::fromUtf8(name, "secret name");
  if (!key) return key.error();
  PolicyHandle policy;
  if (auto opened = openPolicy(POLICY_GET_PRIVATE_INFORMATION, name, policy); !opened) return opened.error();
  LSA_UNICODE_STRING keyString = view(*key);
  PLSA_UNICODE_STRING data = nullptr;
  const NTSTATUS status = ::LsaRetrievePrivateData(policy.get(), &keyString, &data);
  if (status == kStatusObjectNameNotFound) return fail(ErrorCode::kNotFound, "no " + describe(name));
  if (status != kStatusSuccess) return lsaFailure("read", name, status);
  Result<Secret> secret = Secret();
  if (data != nullptr) {
    secret = secretFromLsaBuffer(data->Buffer, data->Length);
    if (data->Buffer != nullptr) secureWipe(data->Buffer, data->MaximumLength);
    ::LsaFreeMemory(data);
  }
  return secret;
}

Result<void> WindowsSecretStore::store(const std::string& name, const Secret& secret) {
  auto key = LsaText::fromUtf8(name, "secret name");
  if (!key) return key.error();
  auto value = LsaText::fromUtf8(secret.reveal(), "secret value");
  if (!value) return fail(value.error().code, describe(name) + ": " + value.error().message);
  PolicyHandle policy;
  if (auto opened = openPolicy(POLICY_CREATE_SECRET, name, policy); !opened) return opened.error();
  LSA_UNICODE_STRING keyString = view(*key);
  LSA_UNICODE_STRING valueString = view(*value);
  const NTSTATUS status = ::LsaStorePrivateData(policy.get(), &keyString, &valueString);
  if (status != kStatusSuccess) return lsaFailure("store", name, status);
  return {};
}

Result<void> WindowsSecretStore::remove(const std::string& name) {
  auto key = LsaText::fromUtf8(name, "secret name");
  if (!key) return key.error();
  PolicyHandle policy;
  if (auto opened = openPolicy(POLICY_CREATE_SECRET, name, policy); !opened) return opened.error();
  LSA_UNICODE_STRING keyString = view(*key);
  // Storing no data deletes the secret.
  const NTSTATUS status = ::LsaStorePrivateData(policy.get(), &keyString, nullptr);
  if (status != kStatusSuccess && status != kStatusObjectNameNotFound) return lsaFailure("delete", name, status);
  return {};
}

}  // namespace remediator::platform
