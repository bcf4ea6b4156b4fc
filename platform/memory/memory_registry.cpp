#include "platform/memory/memory_registry.h"

#include <algorithm>
#include <optional>

namespace remediator::platform {
namespace {

/// "\SOFTWARE\\Foo\" and "SOFTWARE\Foo" name the same key: empty components are dropped.
std::string normalise(const std::string& key) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= key.size()) {
    auto end = key.find('\\', pos);
    if (end == std::string::npos) end = key.size();
    if (end > pos) {
      if (!out.empty()) out += '\\';
      out.append(key, pos, end - pos);
    }
    pos = end + 1;
  }
  return out;
}

/// Whether `path` is `ancestor` or lies below it.
bool isWithin(const std::string& path, const std::string& ancestor) {
  if (ancestor.empty()) return true;
  if (path.size() < ancestor.size()) return false;
  if (!equalsIgnoreCase(std::string_view(path).substr(0, ancestor.size()), ancestor)) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '\\';
}

const char* viewName(RegistryView view) { return view == RegistryView::k64 ? "64-bit" : "32-bit"; }

}  // namespace

Result<RegistryValue> MemoryRegistry::read(const std::string& key, const std::string& name,
                                           RegistryView view) const {
  std::lock_guard lock(mutex_);
  const auto& keys = tree(view);
  const auto found = keys.find(normalise(key));
  if (found == keys.end()) {
    return fail(ErrorCode::kNotFound,
                std::string("registry key HKLM\\") + key + " does not exist (" + viewName(view) + " view)");
  }
  const auto value = found->second.values.find(name);
  if (value == found->second.values.end()) {
    return fail(ErrorCode::kNotFound, "registry value '" + name + "' does not exist under HKLM\\" + key +
                                          " (" + viewName(view) + " view)");
  }
  return value->second;
}

Result<void> MemoryRegistry::write(const std::string& key, const std::string& name,
                                   const RegistryValue& value, RegistryView view) {
  std::lock_guard lock(mutex_);
  const std::string path = normalise(key);
  if (auto denied = deniedLocked(path)) return *denied;
  createLocked(path, view).values.insert_or_assign(name, value);
  ++changes_;
  return {};
}

Result<void> MemoryRegistry::remove(const std::string& key, const std::string& name, RegistryView view) {
  std::lock_guard lock(mutex_);
  const std::string path = normalise(key);
  if (auto denied = deniedLocked(path)) return *denied;
  auto& keys = tree(view);
  const auto found = keys.find(path);
  if (found != keys.end() && found->second.values.erase(name) > 0) ++changes_;
  return {};
}

Result<std::vector<std::string>> MemoryRegistry::subkeys(const std::string& key, RegistryView view) const {
  std::lock_guard lock(mutex_);
  const std::string path = normalise(key);
  const auto& keys = tree(view);
  if (keys.find(path) == keys.end()) {
    return fail(ErrorCode::kNotFound,
                std::string("registry key HKLM\\") + key + " does not exist (" + viewName(view) + " view)");
  }
  std::vector<std::string> names;
  const std::size_t prefix = path.empty() ? 0 : path.size() + 1;
  for (const auto& [candidate, unused] : keys) {
    if (candidate.empty() || candidate.size() <= path.size() || !isWithin(candidate, path)) continue;
    if (candidate.find('\\', prefix) == std::string::npos) names.push_back(candidate.substr(prefix));
  }
  return names;
}

bool MemoryRegistry::keyExists(const std::string& key, RegistryView view) const {
  std::lock_guard lock(mutex_);
  return tree(view).count(normalise(key)) > 0;
}

void MemoryRegistry::createKey(const std::string& key, RegistryView view) {
  std::lock_guard lock(mutex_);
  createLocked(normalise(key), view);
}

bool MemoryRegistry::removeKey(const std::string& key, RegistryView view) {
  std::lock_guard lock(mutex_);
  const std::string path = normalise(key);
  auto& keys = tree(view);
  if (path.empty() || keys.find(path) == keys.end()) return false;
  std::erase_if(keys, [&](const auto& entry) { return isWithin(entry.first, path); });
  return true;
}

std::vector<std::string> MemoryRegistry::valueNames(const std::string& key, RegistryView view) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  const auto& keys = tree(view);
  if (const auto found = keys.find(normalise(key)); found != keys.end()) {
    for (const auto& [name, unused] : found->second.values) names.push_back(name);
  }
  return names;
}

void MemoryRegistry::denyWrites(const std::string& key, Error error) {
  std::lock_guard lock(mutex_);
  denied_.insert_or_assign(normalise(key), std::move(error));
}

void MemoryRegistry::allowWrites(const std::string& key) {
  std::lock_guard lock(mutex_);
  denied_.erase(normalise(key));
}

int MemoryRegistry::changeCount() const {
  std::lock_guard lock(mutex_);
  return changes_;
}

MemoryRegistry::Key& MemoryRegistry::createLocked(const std::string& path, RegistryView view) {
  auto& keys = tree(view);
  // Every ancestor exists too, so that subkeys() of a parent lists what a value path implied.
  for (std::size_t end = path.find('\\'); end != std::string::npos; end = path.find('\\', end + 1)) {
    keys.try_emplace(path.substr(0, end));
  }
  return keys.try_emplace(path).first->second;
}

std::optional<Error> MemoryRegistry::deniedLocked(const std::string& path) const {
  for (const auto& [prefix, error] : denied_) {
    if (isWithin(path, prefix)) return error;
  }
  return std::nullopt;
}

}  // namespace remediator::platform
