#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <system_error>

#include "fixers/connector/downloader.h"
#include "platform/ascii.h"
#include "remediator_version.h"

namespace remediator::fixers::connector {

using platform::ErrorCode;
using platform::fail;
using platform::Result;

namespace {

bool isRedirect(Poco::Net::HTTPResponse::HTTPStatus status) {
  using S = Poco::Net::HTTPResponse;
  return status == S::HTTP_MOVED_PERMANENTLY || status == S::HTTP_FOUND || status == S::HTTP_SEE_OTHER ||
         status == S::HTTP_TEMPORARY_REDIRECT || status == S::HTTP_PERMANENT_REDIRECT;
}

class HttpDownloader final : public Downloader {
 public:
  Result<DownloadInfo> download(const DownloadRequest& request) override {
    auto part = request.destination;
    part += ".part";
    auto result = fetch(request, part);
    if (!result) {
      std::error_code ec;
      std::filesystem::remove(part, ec);
    }
    return result;
  }

 private:
  // Socket timeouts only bound each wait; the deadline also bounds a server that trickles bytes forever.
  using Clock = std::chrono::steady_clock;

  static Result<DownloadInfo> fetch(const DownloadRequest& request, const std::filesystem::path& part) {
    const auto deadline = Clock::now() + request.timeout;
    std::string current = request.url;
    try {
      Poco::URI uri(request.url);
      for (int hop = 0;; ++hop) {
        current = uri.toString();
        if (uri.getScheme() != "http") {
          return fail(ErrorCode::kNotSupported,
                      "cannot download " + current + ": only http:// URLs are supported" +
                          (hop > 0 ? " (reached by a redirect from " + request.url + ")" : ""));
        }
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
        if (left.count() <= 0) return timedOut(request, current);

        Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
        session.setTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(left.count())));
        const auto target = uri.getPathAndQuery().empty() ? std::string("/") : uri.getPathAndQuery();
        Poco::Net::HTTPRequest httpRequest(Poco::Net::HTTPRequest::HTTP_GET, target,
                                           Poco::Net::HTTPMessage::HTTP_1_1);
        httpRequest.set("User-Agent", std::string("Remediator/") + REMEDIATOR_VERSION);
        session.sendRequest(httpRequest);
        Poco::Net::HTTPResponse response;
        std::istream& body = session.receiveResponse(response);

        if (isRedirect(response.getStatus())) {
          const auto location = response.get("Location", "");
          if (location.empty()) {
            return fail(ErrorCode::kFailed, "cannot download " + current + ": HTTP " +
                                                std::to_string(response.getStatus()) + " without a Location");
          }
          if (hop >= request.maxRedirects) {
            return fail(ErrorCode::kFailed, "cannot download " + request.url + ": more than " +
                                                std::to_string(request.maxRedirects) + " redirects");
          }
          const std::string fromHost = uri.getHost();
          uri.resolve(location);
          if (!platform::equalsIgnoreCase(uri.getHost(), fromHost) &&
              !platform::equalsIgnoreCase(uri.getHost(), Poco::URI(request.url).getHost()) &&
              std::none_of(request.allowedRedirectHosts.begin(), request.allowedRedirectHosts.end(),
                           [&](const std::string& host) { return platform::equalsIgnoreCase(host, uri.getHost()); })) {
            return fail(ErrorCode::kNotSupported,
                        "cannot download " + request.url + ": " + current + " redirects to another host, " +
                            uri.getHost() + "; refused (allow it with [connector] allowed_redirect_hosts)");
          }
          continue;
        }
        if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
          return fail(ErrorCode::kFailed, "cannot download " + current + ": HTTP " +
                                              std::to_string(response.getStatus()) + " " +
                                              response.getReason());
        }
        const auto length = response.getContentLength64();
        if (length != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
            static_cast<std::uint64_t>(length) > request.maxBytes) {
          return tooLarge(request, current);
        }

        DownloadInfo info;
        info.contentType = response.getContentType() == Poco::Net::HTTPMessage::UNKNOWN_CONTENT_TYPE
                               ? std::string()
                               : response.getContentType();
        info.finalUrl = current;
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        if (!out) return fail(ErrorCode::kIo, "cannot create " + part.string());
        std::array<char, 64 * 1024> buffer{};
        while (body) {
          body.read(buffer.data(), buffer.size());
          const auto got = body.gcount();
          if (got <= 0) break;
          info.bytes += static_cast<std::uint64_t>(got);
          if (info.bytes > request.maxBytes) return tooLarge(request, current);
          out.write(buffer.data(), got);
          if (!out) return fail(ErrorCode::kIo, "cannot write " + part.string() + " (disk full?)");
          if (Clock::now() > deadline) return timedOut(request, current);
        }
        out.close();
        if (!out) return fail(ErrorCode::kIo, "cannot write " + part.string() + " (disk full?)");
        // The body stream swallows socket errors (the stream just ends); the session keeps them.
        if (const auto* error = session.networkException()) {
          if (dynamic_cast<const Poco::TimeoutException*>(error) != nullptr)
            return timedOut(request, current);
          return fail(ErrorCode::kUnavailable, "cannot download " + current + ": " + error->displayText());
        }
        if (body.bad())
          return fail(ErrorCode::kUnavailable, "cannot download " + current + ": the read failed");
        if (length != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
            info.bytes != static_cast<std::uint64_t>(length)) {
          return fail(ErrorCode::kUnavailable,
                      "cannot download " + current + ": the connection closed after " +
                          std::to_string(info.bytes) + " of " + std::to_string(length) + " bytes");
        }
        std::error_code ec;
        std::filesystem::rename(part, request.destination, ec);
        if (ec) {
          return fail(ErrorCode::kIo, "cannot move " + part.string() + " to " + request.destination.string() +
                                          ": " + ec.message());
        }
        return info;
      }
    } catch (const Poco::TimeoutException&) {
      return timedOut(request, current);
    } catch (const Poco::Net::NetException& e) {
      return fail(ErrorCode::kUnavailable, "cannot download " + current + ": " + e.displayText());
    } catch (const Poco::IOException& e) {
      // Refused connections and resolver failures arrive here (Poco::Net's socket errors are IOExceptions).
      return fail(ErrorCode::kUnavailable, "cannot download " + current + ": " + e.displayText());
    } catch (const Poco::Exception& e) {
      return fail(ErrorCode::kFailed, "cannot download " + current + ": " + e.displayText());
    } catch (const std::exception& e) {
      return fail(ErrorCode::kIo, "cannot download " + current + ": " + e.what());
    }
  }

  static platform::Error timedOut(const DownloadRequest& request, const std::string& url) {
    return fail(ErrorCode::kTimeout, "cannot download " + url + ": no complete answer within " +
                                         std::to_string(request.timeout.count()) + " ms");
  }
  static platform::Error tooLarge(const DownloadRequest& request, const std::string& url) {
    return fail(ErrorCode::kInvalidData, "refused the download from " + url + ": larger than " +
                                             std::to_string(request.maxBytes) + " bytes");
  }
};

}  // namespace

std::unique_ptr<Downloader> makeHttpDownloader() { return std::make_unique<HttpDownloader>(); }

}  // namespace remediator::fixers::connector
