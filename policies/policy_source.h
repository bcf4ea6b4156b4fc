#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "platform/result.h"
#include "platform/time_source.h"
#include "policies/policy_loader.h"

namespace remediator::policies {

/// What a refresh of the policy source produced.
struct PolicyFetch {
  LoadedPolicy loaded;     ///< the policy to use
  bool fromCache = false;  ///< the source failed and the last good cached policy is used
  bool unchanged = false;  ///< the server answered 304 Not Modified (or the file did not change)
  std::string
      problem;  ///< why the source was not used (unreachable, invalid: the validation error); empty if used
  std::string cacheProblem;  ///< the source's policy is used but could not be cached (disk full, permissions)
};

/// A policy source (a local or UNC path, or an http:// URL) with a last-good cache in the state folder.
/// A policy that fails validation never replaces the cached one; an unreachable or invalid source falls back
/// to the cache and says why in `problem`.
///
/// Cache files: <cacheDir>/policy.cache holds the raw text of the last good policy, written atomically;
/// <cacheDir>/policy.cache.json beside it holds the source, ETag, Last-Modified, SHA-256, format and fetch
/// time. HTTP requests send If-None-Match / If-Modified-Since from it when the cache belongs to the same
/// source.
class PolicySource {
 public:
  /// `source` is a path or http:// URL; `cacheDir` is the state folder. The cache's fetch time comes from the
  /// real clock.
  PolicySource(std::string source, std::filesystem::path cacheDir);
  /// As above, with the clock that stamps the cache's fetch time; it must outlive the source.
  PolicySource(std::string source, std::filesystem::path cacheDir, const platform::TimeSource& time);
  ~PolicySource();

  /// Fetches (conditionally: If-None-Match / If-Modified-Since for HTTP), validates, caches on success. Fails
  /// only when neither the source nor the cache gives a valid policy; the error then names both problems.
  Result<PolicyFetch> fetch();

  const std::string& source() const { return source_; }

  /// How long one HTTP connect, send or receive may take; 10 seconds unless set.
  void setTimeout(Duration timeout) { timeout_ = timeout; }

  /// <cacheDir>/policy.cache: the raw text of the last good policy.
  std::filesystem::path cacheFile() const;
  /// <cacheDir>/policy.cache.json: what the cached text is and where it came from.
  std::filesystem::path cacheMetaFile() const;

 private:
  struct Cached;
  struct Attempt;
  Cached readCache() const;
  Attempt fetchFile() const;
  Attempt fetchHttp(const Cached& cached) const;
  std::string writeCache(const LoadedPolicy& loaded, const Attempt& attempt) const;

  std::string source_;
  std::filesystem::path cacheDir_;
  platform::RealTimeSource realTime_;
  const platform::TimeSource* time_;
  Duration timeout_{std::chrono::seconds(10)};
};

}  // namespace remediator::policies
