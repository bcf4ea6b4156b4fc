#include "platform/memory/memory_installed_products.h"

#include <algorithm>

#include "platform/ascii.h"

namespace remediator::platform {

Result<std::vector<InstalledProduct>> MemoryInstalledProducts::list() const {
  std::lock_guard lock(mutex_);
  if (failure_) return *failure_;
  return products_;
}

void MemoryInstalledProducts::add(InstalledProduct product) {
  std::lock_guard lock(mutex_);
  if (!product.productCode.empty()) {
    const auto same = std::find_if(products_.begin(), products_.end(), [&](const InstalledProduct& existing) {
      return equalsIgnoreCase(existing.productCode, product.productCode);
    });
    if (same != products_.end()) {
      *same = std::move(product);
      return;
    }
  }
  products_.push_back(std::move(product));
}

int MemoryInstalledProducts::remove(const std::string& nameOrCode) {
  std::lock_guard lock(mutex_);
  int removed = 0;
  while (auto match = findProduct(products_, {nameOrCode}, nameOrCode)) {
    products_.erase(std::find(products_.begin(), products_.end(), *match));
    ++removed;
  }
  return removed;
}

void MemoryInstalledProducts::failList(Error error) {
  std::lock_guard lock(mutex_);
  failure_ = std::move(error);
}

void MemoryInstalledProducts::clearFailure() {
  std::lock_guard lock(mutex_);
  failure_.reset();
}

}  // namespace remediator::platform
