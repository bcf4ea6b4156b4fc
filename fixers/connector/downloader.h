#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/result.h"
#include "platform/time_source.h"

namespace remediator::fixers::connector {

/// One file to fetch.
struct DownloadRequest {
  std::string url;                    ///< http:// URL
  std::filesystem::path destination;  ///< where the body ends up; replaced only when the download is complete
  platform::Millis timeout{std::chrono::minutes(5)};  ///< for the whole download, redirects included
  int maxRedirects = 5;
  std::uint64_t maxBytes = 1ull << 30;  ///< a larger body is refused
  /// Hosts a redirect may lead to besides the URL's own (compared without regard to case); a redirect to any
  /// other host is refused, so whoever answers a redirect cannot send the download elsewhere.
  std::vector<std::string> allowedRedirectHosts;
};

/// What a completed download brought.
struct DownloadInfo {
  std::uint64_t bytes = 0;
  std::string contentType;  ///< as the server sent it, "" when absent
  std::string finalUrl;     ///< after redirects
};

/// Fetches a file over HTTP into a local path. Kept behind an interface so tests can hand the fixer a fake.
class Downloader {
 public:
  virtual ~Downloader() = default;
  /// Downloads `request.url` to `request.destination`. An error (kUnavailable, kTimeout, kFailed for an HTTP
  /// status other than 200, kInvalidData for a body over the limit) names the URL; the destination is then
  /// left as it was.
  virtual platform::Result<DownloadInfo> download(const DownloadRequest& request) = 0;
};

/// The HTTP downloader (Poco::Net): plain http:// only, follows up to `maxRedirects` redirects to the same host or
/// one of `allowedRedirectHosts` (kNotSupported for another, naming it), writes to
/// "<destination>.part" and renames it into place once the whole body is on disk.
std::unique_ptr<Downloader> makeHttpDownloader();

}  // namespace remediator::fixers::connector
