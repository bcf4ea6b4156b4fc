#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/installed_products.h"

namespace remediator::platform {

/// An in-memory list of installed programs for tests; a scripted uninstall command can remove from it what a
/// real uninstaller would.
class MemoryInstalledProducts final : public InstalledProducts {
 public:
  /// The products in the order they were added.
  Result<std::vector<InstalledProduct>> list() const override;

  /// Installs `product`; one with the same non-empty product code is replaced, as the MSI database would.
  void add(InstalledProduct product);
  /// Uninstalls every product whose display name (case-insensitive) or product or upgrade code (with or
  /// without braces) equals `nameOrCode`, the matching rules of findProduct; returns how many were removed.
  int remove(const std::string& nameOrCode);
  /// Makes list() fail with `error` until clearFailure().
  void failList(Error error);
  /// Lets list() succeed again.
  void clearFailure();

 private:
  mutable std::mutex mutex_;
  std::vector<InstalledProduct> products_;
  std::optional<Error> failure_;
};

}  // namespace remediator::platform
