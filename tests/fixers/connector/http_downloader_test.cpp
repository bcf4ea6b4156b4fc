// The real HTTP downloader against a Poco HTTPServer the test starts on 127.0.0.1 (port chosen by the OS) and
// stops; files go to a temporary folder of the test's own.

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include "fixers/connector/downloader.h"

namespace remediator::fixers::connector {
namespace {

using platform::ErrorCode;
using ::testing::HasSubstr;

/// What the test server does; handlers run on the server's threads.
struct Routes {
  std::string body = std::string("MZ") + std::string(300000, 'x');  // larger than one read buffer
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  std::atomic<int> requests{0};
};

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(Routes& routes) : routes_(routes) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    ++routes_.requests;
    const auto uri = request.getURI();
    if (uri == "/Connect" || uri == "/files/setup.exe") {
      response.setContentType("application/octet-stream");
      response.setContentLength64(static_cast<Poco::Int64>(routes_.body.size()));
      response.send() << routes_.body;
    } else if (uri == "/moved") {
      response.redirect("/files/setup.exe", Poco::Net::HTTPResponse::HTTP_FOUND);
    } else if (uri == "/absolute") {
      response.redirect("http://" + request.getHost() + "/moved", Poco::Net::HTTPResponse::HTTP_SEE_OTHER);
    } else if (uri == "/loop") {
      response.redirect("/loop", Poco::Net::HTTPResponse::HTTP_TEMPORARY_REDIRECT);
    } else if (uri == "/secure") {
      response.redirect("https://" + request.getHost() + "/setup.exe", Poco::Net::HTTPResponse::HTTP_FOUND);
    } else if (uri == "/elsewhere") {
      // The same server under another name: to the downloader, another host.
      const auto host = request.getHost();
      response.redirect("http://localhost" + host.substr(host.rfind(':')) + "/files/setup.exe",
                        Poco::Net::HTTPResponse::HTTP_FOUND);
    } else if (uri == "/short") {
      // Promises more than it sends, then closes: a cut connection.
      response.setContentLength64(1000);
      response.send() << "MZ only part";
    } else if (uri == "/stall") {
      response.setContentLength64(10);
      auto& out = response.send();
      out << "MZ" << std::flush;
      std::unique_lock lock(routes_.mutex);
      routes_.released.wait_for(lock, std::chrono::seconds(10), [&] { return routes_.release; });
    } else {
      response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      response.send() << "not here";
    }
  }

 private:
  Routes& routes_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(Routes& routes) : routes_(routes) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(routes_);
  }

 private:
  Routes& routes_;
};

class HttpDownloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("remediator-download-test-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(routes_), socket, params);
    server_->start();
  }
  void TearDown() override {
    {
      std::lock_guard lock(routes_.mutex);
      routes_.release = true;
    }
    routes_.released.notify_all();
    server_->stopAll(true);
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  DownloadRequest request(const std::string& path) const {
    return DownloadRequest{url(path), dir_ / "installer.download", std::chrono::seconds(20), 5, 1ull << 30};
  }
  std::string read(const std::filesystem::path& p) const {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool leftovers() const { return std::filesystem::exists(dir_ / "installer.download.part"); }

  Routes routes_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::unique_ptr<Downloader> downloader_ = makeHttpDownloader();
};

TEST_F(HttpDownloaderTest, WritesTheWholeBodyToTheDestination) {
  auto got = downloader_->download(request("/Connect"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->bytes, routes_.body.size());
  EXPECT_EQ(got->contentType, "application/octet-stream");
  EXPECT_EQ(got->finalUrl, url("/Connect"));
  EXPECT_EQ(read(dir_ / "installer.download"), routes_.body);
  EXPECT_FALSE(leftovers());
}

TEST_F(HttpDownloaderTest, FollowsRelativeAndAbsoluteRedirects) {
  auto got = downloader_->download(request("/absolute"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->finalUrl, url("/files/setup.exe"));
  EXPECT_EQ(read(dir_ / "installer.download"), routes_.body);
  EXPECT_EQ(routes_.requests.load(), 3);
}

TEST_F(HttpDownloaderTest, StopsAfterTooManyRedirects) {
  auto got = downloader_->download(request("/loop"));
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.error().message, HasSubstr("more than 5 redirects"));
  EXPECT_EQ(routes_.requests.load(), 6);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "installer.download"));
}

TEST_F(HttpDownloaderTest, ARedirectToAnotherHostIsRefusedUnlessThePolicyAllowsIt) {
  // The attack: whoever answers for the server redirects the download to a host of their own.
  { std::ofstream(dir_ / "installer.download") << "previous"; }
  auto refused = downloader_->download(request("/elsewhere"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotSupported);
  EXPECT_THAT(refused.error().message, HasSubstr("another host, localhost"));
  EXPECT_THAT(refused.error().message, HasSubstr("allowed_redirect_hosts"));
  EXPECT_EQ(routes_.requests.load(), 1) << "the other host was asked";
  EXPECT_EQ(read(dir_ / "installer.download"), "previous");

  auto allowed = request("/elsewhere");
  allowed.allowedRedirectHosts = {"LOCALHOST"};
  auto got = downloader_->download(allowed);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_THAT(got->finalUrl, HasSubstr("http://localhost:"));
  EXPECT_EQ(read(dir_ / "installer.download"), routes_.body);
}

TEST_F(HttpDownloaderTest, ErrorStatusFailsAndKeepsTheOldFile) {
  { std::ofstream(dir_ / "installer.download") << "previous"; }
  auto got = downloader_->download(request("/nothing"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kFailed);
  EXPECT_THAT(got.error().message, HasSubstr("HTTP 404"));
  EXPECT_THAT(got.error().message, HasSubstr(url("/nothing")));
  EXPECT_EQ(read(dir_ / "installer.download"), "previous");
  EXPECT_FALSE(leftovers());
}

TEST_F(HttpDownloaderTest, RefusesABodyOverTheLimit) {
  auto req = request("/Connect");
  req.maxBytes = 1000;
  auto got = downloader_->download(req);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidData);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "installer.download"));
  EXPECT_FALSE(leftovers());
}

TEST_F(HttpDownloaderTest, CutConnectionIsAnError) {
  auto got = downloader_->download(request("/short"));
  ASSERT_FALSE(got.ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "installer.download"));
  EXPECT_FALSE(leftovers());
}

TEST_F(HttpDownloaderTest, StalledServerTimesOut) {
  // Socket waits cannot run on an injected clock; the timeout is kept short.
  auto req = request("/stall");
  req.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto got = downloader_->download(req);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout);
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_FALSE(leftovers());
}

TEST_F(HttpDownloaderTest, RefusedConnectionIsUnavailable) {
  std::uint16_t closedPort;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    closedPort = probe.address().port();
  }
  auto req = request("/Connect");
  req.url = "http://127.0.0.1:" + std::to_string(closedPort) + "/Connect";
  auto got = downloader_->download(req);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(got.error().message, HasSubstr(req.url));
}

TEST_F(HttpDownloaderTest, HttpsIsNotSupportedEvenBehindARedirect) {
  auto got = downloader_->download(request("/secure"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotSupported);
  EXPECT_THAT(got.error().message, HasSubstr("only http://"));
  auto direct = downloader_->download(DownloadRequest{"https://server01/Connect", dir_ / "x"});
  EXPECT_EQ(direct.error().code, ErrorCode::kNotSupported);
}

}  // namespace
}  // namespace remediator::fixers::connector
