#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "platform/ascii.h"
#include "platform/secret_store.h"

namespace remediator::platform {

/// An in-memory secret store for tests (and the stand-in under Wine, which lacks LSA private data). Names
/// compare without regard to case, as LSA secret names do.
class MemorySecretStore final : public SecretStore {
 public:
  Result<Secret> retrieve(const std::string& name) const override;
  Result<void> store(const std::string& name, const Secret& secret) override;
  Result<void> remove(const std::string& name) override;

  /// Whether a secret `name` is stored, without revealing it.
  bool contains(const std::string& name) const;
  /// Makes every operation fail with `error` until clearFailure(), e.g. kNotSupported as under Wine.
  void failAll(Error error);
  /// Lets operations succeed again.
  void clearFailure();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Secret, LessIgnoreCase> secrets_;
  std::optional<Error> failure_;
};

}  // namespace remediator::platform
