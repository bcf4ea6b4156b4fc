#include "policies/policy_source.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <optional>
#include <sstream>
#include <system_error>

#include "platform/ascii.h"
#include "platform/durable_file.h"
#include "platform/file_system.h"
#include "policies/policy_document.h"
#include "policies/value_syntax.h"

namespace remediator::policies {

using platform::ErrorCode;
using platform::fail;

/// The cached policy and what is known about it. `loaded` is empty when there is no usable cache; `problem`
/// then says why.
struct PolicySource::Cached {
  std::optional<LoadedPolicy> loaded;
  std::string source;  ///< where the cached text came from
  std::string etag;
  std::string lastModified;
  bool metaMatches = false;  ///< the metadata describes this very text, so its validators may be sent
  std::string problem;
};

/// One attempt at the source: new text, "not modified", or a failure.
struct PolicySource::Attempt {
  enum class Kind { kText, kNotModified, kFailed } kind = Kind::kFailed;
  std::string text;
  std::string etag;
  std::string lastModified;
  std::string problem;
  ErrorCode code = ErrorCode::kUnavailable;
};

namespace {

constexpr const char* kCacheName = "policy.cache";
constexpr const char* kMetaName = "policy.cache.json";

bool isHttpUrl(const std::string& source) { return platform::toLowerAscii(source).starts_with("http://"); }
bool isHttpsUrl(const std::string& source) { return platform::toLowerAscii(source).starts_with("https://"); }

std::string formatIsoUtc(platform::SysTime t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return Poco::DateTimeFormatter::format(Poco::Timestamp(micros), "%Y-%m-%dT%H:%M:%S.%iZ");
}

const char* formatName(PolicyFormat format) { return format == PolicyFormat::kXml ? "xml" : "ini"; }

/// Reads at most `limit` + 1 bytes, so that the caller can tell an over-long body.
std::string readLimited(std::istream& in, std::size_t limit) {
  std::string body;
  char buffer[8192];
  while (body.size() <= limit && in.read(buffer, sizeof buffer).gcount() > 0) {
    body.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  return body;
}

}  // namespace

PolicySource::PolicySource(std::string source, std::filesystem::path cacheDir)
    : source_(std::move(source)), cacheDir_(std::move(cacheDir)), time_(&realTime_) {}

PolicySource::PolicySource(std::string source, std::filesystem::path cacheDir,
                           const platform::TimeSource& time)
    : source_(std::move(source)), cacheDir_(std::move(cacheDir)), time_(&time) {}

PolicySource::~PolicySource() = default;

std::filesystem::path PolicySource::cacheFile() const { return cacheDir_ / kCacheName; }
std::filesystem::path PolicySource::cacheMetaFile() const { return cacheDir_ / kMetaName; }

PolicySource::Cached PolicySource::readCache() const {
  Cached cached;
  auto text = platform::readWholeFile(cacheFile());
  if (!text) {
    cached.problem = text.error().code == ErrorCode::kNotFound
                         ? "there is no cached policy (" + cacheFile().string() + ")"
                         : "the cached policy cannot be read: " + text.error().message;
    return cached;
  }
  std::optional<PolicyFormat> format;
  std::string metaSha256;
  if (auto meta = platform::readWholeFile(cacheMetaFile())) {
    try {
      Poco::JSON::Object::Ptr object = Poco::JSON::Parser().parse(*meta).extract<Poco::JSON::Object::Ptr>();
      cached.source = object->optValue<std::string>("source", "");
      cached.etag = object->optValue<std::string>("etag", "");
      cached.lastModified = object->optValue<std::string>("last_modified", "");
      metaSha256 = object->optValue<std::string>("sha256", "");
      std::string formatText = object->optValue<std::string>("format", "");
      if (formatText == "xml") format = PolicyFormat::kXml;
      if (formatText == "ini") format = PolicyFormat::kIni;
    } catch (const Poco::Exception&) {
      // Unreadable metadata only costs the conditional request; the cached text is checked on its own below.
    }
  }
  auto loaded =
      parsePolicy(*text, format.value_or(guessFormat(cacheFile().string(), *text)), cacheFile().string());
  if (!loaded) {
    cached.problem = "the cached policy is not valid: " + loaded.error().message;
    return cached;
  }
  cached.metaMatches = !metaSha256.empty() && metaSha256 == loaded->sha256;
  if (!cached.source.empty()) loaded->origin = cached.source;
  cached.loaded = std::move(*loaded);
  return cached;
}

PolicySource::Attempt PolicySource::fetchFile() const {
  Attempt attempt;
  const std::filesystem::path path = platform::expandEnvironment(source_);
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxPolicyBytes) {
    attempt.code = ErrorCode::kInvalidData;
    attempt.problem = path.string() + ": the file is " + std::to_string(size) +
                      " bytes; a policy may have at most " + std::to_string(kMaxPolicyBytes) + " bytes";
    return attempt;
  }
  auto text = platform::readWholeFile(path);
  if (!text) {
    attempt.code = text.error().code == ErrorCode::kNotFound ? ErrorCode::kNotFound : ErrorCode::kUnavailable;
    attempt.problem = "cannot read " + path.string() + ": " + text.error().message;
    return attempt;
  }
  attempt.kind = Attempt::Kind::kText;
  attempt.text = std::move(*text);
  return attempt;
}

PolicySource::Attempt PolicySource::fetchHttp(const Cached& cached) const {
  Attempt attempt;
  try {
    Poco::URI uri(source_);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(
        Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count()));
    std::string path = uri.getPathAndQuery();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path.empty() ? "/" : path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", "remediator-policy-source");
    bool conditional = cached.loaded && cached.metaMatches && cached.source == source_;
    if (conditional && !cached.etag.empty()) request.set("If-None-Match", cached.etag);
    if (conditional && !cached.lastModified.empty()) request.set("If-Modified-Since", cached.lastModified);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& body = session.receiveResponse(response);
    const int status = static_cast<int>(response.getStatus());
    const std::string statusText = "HTTP " + std::to_string(status) + " " + response.getReason();
    if (status == Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED && conditional) {
      attempt.kind = Attempt::Kind::kNotModified;
      return attempt;
    }
    if (status >= 300 && status < 400 && response.has("Location")) {
      attempt.problem = source_ + ": " + statusText + ": the server redirects to " +
                        response.get("Location") + "; put that URL in [service] source";
      return attempt;
    }
    if (status != Poco::Net::HTTPResponse::HTTP_OK) {
      attempt.code =
          status == Poco::Net::HTTPResponse::HTTP_NOT_FOUND ? ErrorCode::kNotFound : ErrorCode::kUnavailable;
      attempt.problem = source_ + ": " + statusText;
      return attempt;
    }
    std::string text = readLimited(body, kMaxPolicyBytes);
    if (text.size() > kMaxPolicyBytes) {
      attempt.code = ErrorCode::kInvalidData;
      attempt.problem = source_ + ": the policy is larger than " + std::to_string(kMaxPolicyBytes) + " bytes";
      return attempt;
    }
    attempt.kind = Attempt::Kind::kText;
    attempt.text = std::move(text);
    attempt.etag = response.get("ETag", "");
    attempt.lastModified = response.get("Last-Modified", "");
  } catch (const Poco::TimeoutException&) {
    attempt.code = ErrorCode::kTimeout;
    attempt.problem = source_ + ": no answer within " + formatDuration(timeout_);
  } catch (const Poco::SyntaxException& e) {
    attempt.code = ErrorCode::kInvalidArgument;
    attempt.problem = source_ + ": not a valid URL (" + e.displayText() + ")";
  } catch (const Poco::Exception& e) {
    attempt.problem = source_ + ": unreachable: " + e.displayText();
  } catch (const std::exception& e) {
    attempt.problem = source_ + ": unreachable: " + e.what();
  }
  return attempt;
}

std::string PolicySource::writeCache(const LoadedPolicy& loaded, const Attempt& attempt) const {
  std::error_code ec;
  std::filesystem::create_directories(cacheDir_, ec);
  if (ec) return "cannot create the state folder " + cacheDir_.string() + ": " + ec.message();
  // Text first, then the metadata naming its hash: a crash between the two leaves metadata that does not
  // match the text, which only costs one unconditional request.
  if (auto ok = platform::writeFileDurably(cacheFile(), loaded.text); !ok) return ok.error().message;
  Poco::JSON::Object meta(Poco::JSON_PRESERVE_KEY_ORDER);
  meta.set("source", source_);
  meta.set("format", formatName(guessFormat(source_, loaded.text)));
  meta.set("etag", attempt.etag);
  meta.set("last_modified", attempt.lastModified);
  meta.set("sha256", loaded.sha256);
  meta.set("fetched", formatIsoUtc(time_->now()));
  std::ostringstream json;
  meta.stringify(json, 2);
  json << "\n";
  if (auto ok = platform::writeFileDurably(cacheMetaFile(), json.str()); !ok) return ok.error().message;
  return {};
}

Result<PolicyFetch> PolicySource::fetch() {
  Cached cached = readCache();
  Attempt attempt;
  if (isHttpsUrl(source_)) {
    attempt.code = ErrorCode::kNotSupported;
    attempt.problem = source_ +
                      ": https:// is not supported (the service has no TLS built in): serve the policy "
                      "over http:// or from a file share; its SHA-256 is recorded in every audit record";
  } else if (isHttpUrl(source_)) {
    attempt = fetchHttp(cached);
  } else {
    attempt = fetchFile();
  }

  if (attempt.kind == Attempt::Kind::kNotModified) {
    PolicyFetch fetched;
    fetched.loaded = std::move(*cached.loaded);
    fetched.unchanged = true;
    return fetched;
  }
  if (attempt.kind == Attempt::Kind::kText) {
    auto loaded = parsePolicy(attempt.text, guessFormat(source_, attempt.text), source_);
    if (loaded) {
      PolicyFetch fetched;
      fetched.unchanged = cached.loaded && cached.loaded->sha256 == loaded->sha256;
      fetched.cacheProblem = writeCache(*loaded, attempt);
      fetched.loaded = std::move(*loaded);
      return fetched;
    }
    attempt.code = loaded.error().code;
    attempt.problem = loaded.error().message;
  }
  if (cached.loaded) {
    PolicyFetch fetched;
    fetched.loaded = std::move(*cached.loaded);
    fetched.fromCache = true;
    fetched.problem = attempt.problem;
    return fetched;
  }
  return fail(attempt.code,
              "the policy source cannot be used: " + attempt.problem + "\nand " + cached.problem);
}

}  // namespace remediator::policies
