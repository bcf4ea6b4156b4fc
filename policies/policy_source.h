#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "platform/result.h"
#include "platform/time_source.h"
#include "policies/policy_loader.h"
#include "policies/policy_trust.h"

namespace remediator::policies {

/// What a refresh of the policy source produced.
struct PolicyFetch {
  LoadedPolicy loaded;     ///< the policy to use
  bool fromCache = false;  ///< the source failed and the last good cached policy is used
  bool unchanged = false;  ///< the server answered 304 Not Modified (or the file did not change)
  std::string
      problem;  ///< why the source was not used (unreachable, invalid: the validation error); empty if used
  std::string cacheProblem;  ///< the source's policy is used but could not be cached (disk full, permissions)
  /// The source's policy was refused by the trust rules (no valid signature by a trusted key, a replayed or
  /// reused serial, unsigned http without the opt-in); `problem` says which. Not set for an unreachable source.
  bool refused = false;
  std::string signedBy;  ///< the id of the trusted key that signed the policy in force; empty when unsigned
};

/// A policy source (a local or UNC path, or an http:// URL) with a last-good cache in the state folder.
/// A policy that fails validation never replaces the cached one; an unreachable or invalid source falls back
/// to the cache and says why in `problem`.
///
/// Cache files: <cacheDir>/policy.cache holds the raw text of the last good policy, written atomically;
/// <cacheDir>/policy.cache.json beside it holds the source, ETag, Last-Modified, SHA-256, format and fetch
/// time. HTTP requests send If-None-Match / If-Modified-Since from it when the cache belongs to the same
/// source.
///
/// Trust (setTrust): with trusted keys, a policy is used only with a valid detached signature by one of them,
/// fetched from the same place with ".sig" appended (URL path or file name), and only when its [service] serial
/// does not go back (PolicyTrust::acceptedFile). The signature is cached beside the policy (policy.cache.sig)
/// and the cache is verified again, against the keys and the anti-rollback record, every time it is read, so a
/// cache swapped on disk is not trusted. Without keys, an http:// source is refused unless the administrator
/// allowed unsigned http. The default trust has no keys and does not allow unsigned http.
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

  /// Who the source is trusted to speak for; see the class comment.
  void setTrust(PolicyTrust trust) { trust_ = std::move(trust); }
  const PolicyTrust& trust() const { return trust_; }

  /// How long one HTTP connect, send or receive may take; 10 seconds unless set.
  void setTimeout(Duration timeout) { timeout_ = timeout; }

  /// <cacheDir>/policy.cache: the raw text of the last good policy.
  std::filesystem::path cacheFile() const;
  /// <cacheDir>/policy.cache.json: what the cached text is and where it came from.
  std::filesystem::path cacheMetaFile() const;
  /// <cacheDir>/policy.cache.sig: the verified signature of the cached text, when the source is signed.
  std::filesystem::path cacheSignatureFile() const;

 private:
  struct Cached;
  struct Attempt;
  Cached readCache() const;
  Attempt fetchFile(const std::string& source) const;
  Attempt fetchHttp(const std::string& url, const Cached* conditional) const;
  std::string writeCache(const LoadedPolicy& loaded, const Attempt& attempt, const std::string& signature) const;
  bool signatureRequired() const { return !trust_.trustedLocation && !trust_.keys.empty(); }
  /// Where the signature of the policy at the source is (".sig" appended to the URL's path or the file name).
  std::string signatureSource() const;
  /// The anti-rollback check of a signed policy; empty when it may be used. `record` is set to whether the
  /// anti-rollback record must be written for it (a new serial or hash).
  std::string rollbackCheck(const LoadedPolicy& loaded, bool& record) const;
  /// Why an unsigned policy from `source` may not be used (unsigned http without the opt-in); empty if it may.
  std::string unsignedProblem(const std::string& source) const;

  std::string source_;
  std::filesystem::path cacheDir_;
  platform::RealTimeSource realTime_;
  const platform::TimeSource* time_;
  Duration timeout_{std::chrono::seconds(10)};
  PolicyTrust trust_;
};

}  // namespace remediator::policies
