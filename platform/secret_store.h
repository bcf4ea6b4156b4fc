#pragma once

#include <cstddef>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// A secret value (a password). It cannot be streamed or formatted, and its memory is wiped when it dies, so it
/// does not end up in a log line, an audit record or an error message by accident.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();

  /// The secret itself, for the one call that needs it.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const Secret& other) const { return value_ == other.value_; }

 private:
  std::string value_;
};

/// Overwrites `size` bytes at `data` with zeros in a way the optimiser may not drop, even though the memory is
/// about to be freed. Secret's destructor uses it; so may any code that briefly holds a copy of a password.
void secureWipe(void* data, std::size_t size);

/// Named secrets kept by the OS (LSA private data on Windows).
class SecretStore {
 public:
  virtual ~SecretStore() = default;
  /// The secret `name`; kNotFound when absent.
  virtual Result<Secret> retrieve(const std::string& name) const = 0;
  /// Stores or replaces the secret `name`.
  virtual Result<void> store(const std::string& name, const Secret& secret) = 0;
  /// Deletes the secret `name`; deleting an absent secret succeeds.
  virtual Result<void> remove(const std::string& name) = 0;
};

}  // namespace remediator::platform
