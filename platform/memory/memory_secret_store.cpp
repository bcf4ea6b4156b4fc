#include "platform/memory/memory_secret_store.h"

namespace remediator::platform {

Result<Secret> MemorySecretStore::retrieve(const std::string& name) const {
  std::lock_guard lock(mutex_);
  if (failure_) return *failure_;
  const auto found = secrets_.find(name);
  if (found == secrets_.end()) return fail(ErrorCode::kNotFound, "no secret named '" + name + "' is stored");
  return found->second;
}

Result<void> MemorySecretStore::store(const std::string& name, const Secret& secret) {
  std::lock_guard lock(mutex_);
  if (failure_) return *failure_;
  secrets_.insert_or_assign(name, secret);
  return {};
}

Result<void> MemorySecretStore::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (failure_) return *failure_;
  secrets_.erase(name);
  return {};
}

bool MemorySecretStore::contains(const std::string& name) const {
  std::lock_guard lock(mutex_);
  return secrets_.count(name) > 0;
}

void MemorySecretStore::failAll(Error error) {
  std::lock_guard lock(mutex_);
  failure_ = std::move(error);
}

void MemorySecretStore::clearFailure() {
  std::lock_guard lock(mutex_);
  failure_.reset();
}

}  // namespace remediator::platform
