#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "platform/result.h"
#include "policies/policy_loader.h"

namespace remediator::policies {

/// What a refresh of the policy source produced.
struct PolicyFetch {
  LoadedPolicy loaded;   ///< the policy to use
  bool fromCache = false;   ///< the source failed and the last good cached policy is used
  bool unchanged = false;   ///< the server answered 304 Not Modified (or the file did not change)
  std::string problem;      ///< why the source was not used (unreachable, invalid: the validation error); empty if used
};

/// A policy source (a local or UNC path, or an http:// URL) with a last-good cache in the state folder.
/// A policy that fails validation never replaces the cached one; an unreachable or invalid source falls back to
/// the cache and says why in `problem`.
class PolicySource {
 public:
  /// `source` is a path or http:// URL; `cacheDir` is the state folder.
  PolicySource(std::string source, std::filesystem::path cacheDir);
  ~PolicySource();

  /// Fetches (conditionally: If-None-Match / If-Modified-Since for HTTP), validates, caches on success. Fails
  /// only when neither the source nor the cache gives a valid policy; the error then names both problems.
  Result<PolicyFetch> fetch();

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::filesystem::path cacheDir_;
};

}  // namespace remediator::policies
