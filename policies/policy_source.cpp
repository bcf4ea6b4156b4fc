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
#include "platform/utf8_path.h"

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
  std::string signedBy;      ///< the trusted key whose signature of the cached text was verified
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
  bool refused = false;  ///< by the trust rules, not for want of an answer
};

namespace {

constexpr const char* kCacheName = "policy.cache";
constexpr const char* kMetaName = "policy.cache.json";
constexpr const char* kSignatureName = "policy.cache.sig";

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
std::filesystem::path PolicySource::cacheSignatureFile() const { return cacheDir_ / kSignatureName; }

std::string PolicySource::signatureSource() const {
  if (!isHttpUrl(source_)) return source_ + ".sig";
  try {
    Poco::URI uri(source_);
    uri.setPath(uri.getPath() + ".sig");
    return uri.toString();
  } catch (const Poco::Exception&) {
    return source_ + ".sig";  // fetching it fails with the same message as the policy's URL
  }
}

std::string PolicySource::unsignedProblem(const std::string& source) const {
  if (trust_.trustedLocation || trust_.allowUnsignedHttp || !isHttpUrl(source)) return {};
  return source +
         ": an unsigned policy over http:// is refused, since anyone on the network who answers for the server "
         "could serve it; install with POLICY_KEYS and publish signed policies (or, accepting that risk, "
         "ALLOW_UNSIGNED_HTTP=1)";
}

std::string PolicySource::rollbackCheck(const LoadedPolicy& loaded, bool& record) const {
  record = false;
  if (trust_.acceptedFile.empty()) return {};
  auto last = readAcceptedPolicy(trust_.acceptedFile);
  if (!last) return last.error().message;
  const std::int64_t serial = loaded.policy.service.serial;
  if (*last) {
    if (auto problem = rollbackProblem(**last, serial, loaded.sha256); !problem.empty()) return problem;
  }
  record = !*last || (*last)->serial != serial || (*last)->sha256 != loaded.sha256;
  return {};
}

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
  if (signatureRequired()) {
    auto signature = platform::readWholeFile(cacheSignatureFile());
    auto keyId = signature ? verifyPolicySignature(*text, *signature, trust_.keys)
                           : Result<std::string>(fail(ErrorCode::kPermissionDenied, "it has no signature beside it (" +
                                                                                    cacheSignatureFile().string() + ")"));
    if (!keyId) {
      cached.problem = "the cached policy " + cacheFile().string() + " is not trusted: " + keyId.error().message;
      return cached;
    }
    cached.signedBy = *keyId;
  } else if (auto problem = unsignedProblem(cached.source.empty() ? source_ : cached.source); !problem.empty()) {
    cached.problem = "the cached policy is not trusted: it came from " + problem;
    return cached;
  }
  auto loaded =
      parsePolicy(*text, format.value_or(guessFormat(cacheFile().string(), *text)), cacheFile().string());
  if (!loaded) {
    cached.problem = "the cached policy is not valid: " + loaded.error().message;
    return cached;
  }
  if (signatureRequired()) {
    bool record = false;
    if (auto problem = rollbackCheck(*loaded, record); !problem.empty()) {
      cached.problem = "the cached policy " + cacheFile().string() + " is not trusted: " + problem;
      return cached;
    }
  }
  cached.metaMatches = !metaSha256.empty() && metaSha256 == loaded->sha256;
  if (!cached.source.empty()) loaded->origin = cached.source;
  cached.loaded = std::move(*loaded);
  return cached;
}

PolicySource::Attempt PolicySource::fetchFile(const std::string& source) const {
  Attempt attempt;
  const std::filesystem::path path = platform::pathFromUtf8(platform::expandEnvironment(source));
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

PolicySource::Attempt PolicySource::fetchHttp(const std::string& url, const Cached* cache) const {
  Attempt attempt;
  try {
    Poco::URI uri(url);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(
        Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count()));
    std::string path = uri.getPathAndQuery();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path.empty() ? "/" : path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", "remediator-policy-source");
    bool conditional = cache && cache->loaded && cache->metaMatches && cache->source == url;
    if (conditional && !cache->etag.empty()) request.set("If-None-Match", cache->etag);
    if (conditional && !cache->lastModified.empty()) request.set("If-Modified-Since", cache->lastModified);
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
      // Never followed: a policy (and its signature) comes from the URL the administrator gave. A redirect to
      // another host is what an attacker who answers for the server would send: refused, not just failed.
      Poco::URI target(uri);
      target.resolve(response.get("Location"));
      const bool otherHost = !platform::equalsIgnoreCase(target.getHost(), uri.getHost()) ||
                             target.getPort() != uri.getPort();
      attempt.refused = otherHost;
      if (otherHost) attempt.code = ErrorCode::kPermissionDenied;
      attempt.problem = url + ": " + statusText + ": the server redirects to " + response.get("Location") +
                        (otherHost ? ", another host; redirects are not followed"
                                   : "; put that URL in [service] source");
      return attempt;
    }
    if (status != Poco::Net::HTTPResponse::HTTP_OK) {
      attempt.code =
          status == Poco::Net::HTTPResponse::HTTP_NOT_FOUND ? ErrorCode::kNotFound : ErrorCode::kUnavailable;
      attempt.problem = url + ": " + statusText;
      return attempt;
    }
    std::string text = readLimited(body, kMaxPolicyBytes);
    if (text.size() > kMaxPolicyBytes) {
      attempt.code = ErrorCode::kInvalidData;
      attempt.problem = url + ": the policy is larger than " + std::to_string(kMaxPolicyBytes) + " bytes";
      return attempt;
    }
    attempt.kind = Attempt::Kind::kText;
    attempt.text = std::move(text);
    attempt.etag = response.get("ETag", "");
    attempt.lastModified = response.get("Last-Modified", "");
  } catch (const Poco::TimeoutException&) {
    attempt.code = ErrorCode::kTimeout;
    attempt.problem = url + ": no answer within " + formatDuration(timeout_);
  } catch (const Poco::SyntaxException& e) {
    attempt.code = ErrorCode::kInvalidArgument;
    attempt.problem = url + ": not a valid URL (" + e.displayText() + ")";
  } catch (const Poco::Exception& e) {
    attempt.problem = url + ": unreachable: " + e.displayText();
  } catch (const std::exception& e) {
    attempt.problem = url + ": unreachable: " + e.what();
  }
  return attempt;
}

std::string PolicySource::writeCache(const LoadedPolicy& loaded, const Attempt& attempt,
                                     const std::string& signature) const {
  std::error_code ec;
  std::filesystem::create_directories(cacheDir_, ec);
  if (ec) return "cannot create the state folder " + cacheDir_.string() + ": " + ec.message();
  // Text first, then the metadata naming its hash: a crash between the two leaves metadata that does not
  // match the text, which only costs one unconditional request.
  if (auto ok = platform::writeFileDurably(cacheFile(), loaded.text); !ok) return ok.error().message;
  // The signature after the text: a crash between the two leaves a cache that fails its check and is fetched
  // again. An unsigned cache keeps no signature file (a stale one would only fail).
  if (!signature.empty()) {
    if (auto ok = platform::writeFileDurably(cacheSignatureFile(), signature); !ok) return ok.error().message;
  } else {
    std::filesystem::remove(cacheSignatureFile(), ec);
  }
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
  } else if (auto problem = signatureRequired() ? std::string() : unsignedProblem(source_); !problem.empty()) {
    attempt.code = ErrorCode::kPermissionDenied;
    attempt.refused = true;
    attempt.problem = problem;
  } else if (isHttpUrl(source_)) {
    attempt = fetchHttp(source_, &cached);
  } else {
    attempt = fetchFile(source_);
  }

  if (attempt.kind == Attempt::Kind::kNotModified) {
    PolicyFetch fetched;
    fetched.loaded = std::move(*cached.loaded);
    fetched.unchanged = true;
    fetched.signedBy = cached.signedBy;
    return fetched;
  }
  // The signature is checked on the exact bytes before they are parsed.
  std::string signature, signedBy;
  if (attempt.kind == Attempt::Kind::kText && signatureRequired()) {
    const std::string where = signatureSource();
    Attempt fetchedSignature = isHttpUrl(source_) ? fetchHttp(where, nullptr) : fetchFile(where);
    Result<std::string> keyId =
        fetchedSignature.kind == Attempt::Kind::kText
            ? verifyPolicySignature(attempt.text, fetchedSignature.text, trust_.keys)
            : Result<std::string>(fail(ErrorCode::kPermissionDenied,
                                       "it has no signature (" + fetchedSignature.problem + ")"));
    if (keyId) {
      signature = std::move(fetchedSignature.text);
      signedBy = *keyId;
    } else {
      // A server that stopped answering between the two requests is unreachable, not refused.
      const bool unreachable = fetchedSignature.kind == Attempt::Kind::kFailed && !fetchedSignature.refused &&
                               (fetchedSignature.code == ErrorCode::kUnavailable ||
                                fetchedSignature.code == ErrorCode::kTimeout);
      attempt.kind = Attempt::Kind::kFailed;
      attempt.refused = !unreachable;
      attempt.code = unreachable ? fetchedSignature.code : ErrorCode::kPermissionDenied;
      attempt.problem = source_ + ": refused: " + keyId.error().message + "; the policy must be signed by a key in " +
                        (trust_.keysOrigin.empty() ? std::string("the trusted keys") : trust_.keysOrigin);
    }
  }
  if (attempt.kind == Attempt::Kind::kText) {
    auto loaded = parsePolicy(attempt.text, guessFormat(source_, attempt.text), source_);
    if (loaded) {
      bool record = false;
      std::string problem = signatureRequired() ? rollbackCheck(*loaded, record) : std::string();
      if (problem.empty() && record) {
        AcceptedPolicy accepted{loaded->policy.service.serial, loaded->sha256, signedBy, source_,
                                formatIsoUtc(time_->now())};
        // Written before the policy is used, so that no crash can let its serial be forgotten.
        std::error_code ec;
        std::filesystem::create_directories(trust_.acceptedFile.parent_path(), ec);
        if (auto ok = writeAcceptedPolicy(trust_.acceptedFile, accepted); !ok) {
          problem = "the anti-rollback record cannot be written: " + ok.error().message;
        }
      }
      if (problem.empty()) {
        PolicyFetch fetched;
        fetched.unchanged = cached.loaded && cached.loaded->sha256 == loaded->sha256;
        fetched.cacheProblem = writeCache(*loaded, attempt, signature);
        fetched.loaded = std::move(*loaded);
        fetched.signedBy = signedBy;
        return fetched;
      }
      attempt.refused = true;
      attempt.code = ErrorCode::kPermissionDenied;
      attempt.problem = source_ + ": refused: " + problem;
    } else {
      attempt.code = loaded.error().code;
      attempt.problem = loaded.error().message;
    }
  }
  if (cached.loaded) {
    PolicyFetch fetched;
    fetched.loaded = std::move(*cached.loaded);
    fetched.fromCache = true;
    fetched.problem = attempt.problem;
    fetched.refused = attempt.refused;
    fetched.signedBy = cached.signedBy;
    return fetched;
  }
  return fail(attempt.code,
              "the policy source cannot be used: " + attempt.problem + "\nand " + cached.problem);
}

}  // namespace remediator::policies
