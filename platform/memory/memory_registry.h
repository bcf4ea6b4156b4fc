#pragma once

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/ascii.h"
#include "platform/registry.h"

namespace remediator::platform {

/// An in-memory registry for tests. The 64-bit and 32-bit views are two separate trees (what one view holds
/// the other does not see), key paths and value names compare without regard to case as on Windows, and a
/// key exists once it was created explicitly, holds a value, or is the parent of one that does.
class MemoryRegistry final : public Registry {
 public:
  Result<RegistryValue> read(const std::string& key, const std::string& name,
                             RegistryView view = RegistryView::k64) const override;
  Result<void> write(const std::string& key, const std::string& name, const RegistryValue& value,
                     RegistryView view = RegistryView::k64) override;
  Result<void> remove(const std::string& key, const std::string& name,
                      RegistryView view = RegistryView::k64) override;
  Result<std::vector<std::string>> subkeys(const std::string& key,
                                           RegistryView view = RegistryView::k64) const override;
  bool keyExists(const std::string& key, RegistryView view = RegistryView::k64) const override;

  /// Creates `key` and its parents without values, as a setup step.
  void createKey(const std::string& key, RegistryView view = RegistryView::k64);
  /// Deletes `key` with its values and subkeys; returns whether it existed.
  bool removeKey(const std::string& key, RegistryView view = RegistryView::k64);
  /// The names of the values of `key` in the case they were first written, sorted; empty when absent.
  std::vector<std::string> valueNames(const std::string& key, RegistryView view = RegistryView::k64) const;
  /// Makes write() and remove() under `key` and its subkeys fail with `error`, as a restrictive ACL would.
  void denyWrites(const std::string& key, Error error);
  /// Undoes denyWrites(key).
  void allowWrites(const std::string& key);
  /// How many write() and remove() calls changed something, so a test can prove that nothing was changed.
  int changeCount() const;

 private:
  struct Key {
    std::map<std::string, RegistryValue, LessIgnoreCase> values;
  };
  using Tree = std::map<std::string, Key, LessIgnoreCase>;  // normalised path -> key; "" is the root

  Tree& tree(RegistryView view) { return trees_[view == RegistryView::k64 ? 0 : 1]; }
  const Tree& tree(RegistryView view) const { return trees_[view == RegistryView::k64 ? 0 : 1]; }
  Key& createLocked(const std::string& path, RegistryView view);
  std::optional<Error> deniedLocked(const std::string& path) const;

  mutable std::mutex mutex_;
  std::array<Tree, 2> trees_{Tree{{"", Key{}}}, Tree{{"", Key{}}}};
  std::map<std::string, Error, LessIgnoreCase> denied_;
  int changes_ = 0;
};

}  // namespace remediator::platform
