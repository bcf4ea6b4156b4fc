#include "policies/policy_source.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <vector>

#include "tests/platform/temp_dir.h"
#include "tests/policies/policy_test_support.h"

namespace remediator::policies {
namespace {

using namespace std::chrono_literals;
using testing::readText;
using testing::writeText;

const std::string kGoodPolicy = "[service]\nserver = CENTRAL\n[clock]\nmode = enforce\n";
const std::string kOtherGoodPolicy = "[service]\nserver = CENTRAL\n[clock]\nmode = audit\n";
const std::string kBadPolicy = "[service]\nserver = CENTRAL\n[clock]\nmode = sometimes\n";

/// An HTTP server on 127.0.0.1 and an ephemeral port that serves one policy with an ETag and a Last-Modified,
/// answers 304 to a matching conditional request, and records the conditional headers of every request.
class PolicyHttpServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::string etag;
    std::string lastModified;
  };
  struct Seen {
    std::string uri;
    std::string ifNoneMatch;  ///< "<absent>" when the request had none
    std::string ifModifiedSince;
  };

  PolicyHttpServer() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setKeepAlive(false);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
  }
  ~PolicyHttpServer() { stop(); }

  /// Stops listening: from now on connections to the port are refused.
  void stop() {
    if (server_) server_->stopAll(true);
    server_.reset();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void serve(Reply reply) {
    std::lock_guard lock(mutex_);
    reply_ = std::move(reply);
  }
  std::vector<Seen> requests() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(PolicyHttpServer& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      Reply reply;
      {
        std::lock_guard lock(server_.mutex_);
        server_.seen_.push_back({request.getURI(), request.get("If-None-Match", "<absent>"),
                                 request.get("If-Modified-Since", "<absent>")});
        reply = server_.reply_;
      }
      bool notModified =
          reply.status == 200 && !reply.etag.empty() && request.get("If-None-Match", "") == reply.etag;
      if (!reply.etag.empty()) response.set("ETag", reply.etag);
      if (!reply.lastModified.empty()) response.set("Last-Modified", reply.lastModified);
      if (notModified) {
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
        response.setContentLength(0);
        response.send();
        return;
      }
      response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
      response.setContentType("text/plain");
      response.sendBuffer(reply.body.data(), reply.body.size());
    }

   private:
    PolicyHttpServer& server_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(PolicyHttpServer& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    PolicyHttpServer& server_;
  };

  mutable std::mutex mutex_;
  Reply reply_;
  std::vector<Seen> seen_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// A port nothing listens on: one a server held a moment ago.
std::string closedPortUrl() {
  PolicyHttpServer server;
  std::string url = server.url("/policy.ini");
  server.stop();
  return url;
}

platform::SysTime fixedTime() { return platform::SysTime{} + 1764086130s; }  // 2025-11-25T15:55:30Z

class PolicySourceTest : public ::testing::Test {
 protected:
  platform::testing::ScopedTempDir dir_;
  platform::ManualTimeSource time_{fixedTime()};
  std::filesystem::path state() const { return dir_ / "state"; }
};

TEST_F(PolicySourceTest, LocalFileIsLoadedAndCached) {
  writeText(dir_ / "policy.ini", kGoodPolicy);
  PolicySource source((dir_ / "policy.ini").string(), state(), time_);
  auto fetched = source.fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_FALSE(fetched->fromCache);
  EXPECT_FALSE(fetched->unchanged);
  EXPECT_TRUE(fetched->problem.empty());
  EXPECT_TRUE(fetched->cacheProblem.empty()) << fetched->cacheProblem;
  EXPECT_EQ(fetched->loaded.policy.clock.common.mode, Mode::kEnforce);
  EXPECT_EQ(fetched->loaded.origin, (dir_ / "policy.ini").string());

  EXPECT_EQ(readText(state() / "policy.cache"), kGoodPolicy);
  auto meta =
      Poco::JSON::Parser().parse(readText(state() / "policy.cache.json")).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(meta->getValue<std::string>("source"), (dir_ / "policy.ini").string());
  EXPECT_EQ(meta->getValue<std::string>("sha256"), fetched->loaded.sha256);
  EXPECT_EQ(meta->getValue<std::string>("format"), "ini");
  EXPECT_EQ(meta->getValue<std::string>("fetched"), "2025-11-25T15:55:30.000Z");
}

TEST_F(PolicySourceTest, SameFileAgainIsUnchanged) {
  writeText(dir_ / "policy.ini", kGoodPolicy);
  PolicySource source((dir_ / "policy.ini").string(), state(), time_);
  ASSERT_TRUE(source.fetch().ok());
  auto again = source.fetch();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_FALSE(again->fromCache);
  writeText(dir_ / "policy.ini", kOtherGoodPolicy);
  auto changed = source.fetch();
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->unchanged);
  EXPECT_EQ(changed->loaded.policy.clock.common.mode, Mode::kAudit);
}

TEST_F(PolicySourceTest, MissingFileFallsBackToTheCache) {
  writeText(dir_ / "policy.ini", kGoodPolicy);
  PolicySource source((dir_ / "policy.ini").string(), state(), time_);
  auto first = source.fetch();
  ASSERT_TRUE(first.ok());
  std::filesystem::remove(dir_ / "policy.ini");
  auto fetched = source.fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_TRUE(fetched->fromCache);
  EXPECT_NE(fetched->problem.find("cannot read " + (dir_ / "policy.ini").string()), std::string::npos)
      << fetched->problem;
  EXPECT_EQ(fetched->loaded.policy, first->loaded.policy);
  EXPECT_EQ(fetched->loaded.sha256, first->loaded.sha256);
}

TEST_F(PolicySourceTest, InvalidFileNeverReplacesTheCache) {
  writeText(dir_ / "policy.ini", kGoodPolicy);
  PolicySource source((dir_ / "policy.ini").string(), state(), time_);
  ASSERT_TRUE(source.fetch().ok());
  writeText(dir_ / "policy.ini", kBadPolicy);
  auto fetched = source.fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_TRUE(fetched->fromCache);
  EXPECT_NE(fetched->problem.find((dir_ / "policy.ini").string() + ":4: [clock] mode"), std::string::npos)
      << fetched->problem;
  EXPECT_EQ(fetched->loaded.policy.clock.common.mode, Mode::kEnforce);
  EXPECT_EQ(readText(state() / "policy.cache"), kGoodPolicy);
}

TEST_F(PolicySourceTest, NoSourceAndNoCacheIsAnErrorNamingBoth) {
  PolicySource source((dir_ / "absent.ini").string(), state(), time_);
  auto fetched = source.fetch();
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message.find("absent.ini"), std::string::npos) << fetched.error().message;
  EXPECT_NE(fetched.error().message.find("no cached policy"), std::string::npos) << fetched.error().message;
  EXPECT_FALSE(std::filesystem::exists(state() / "policy.cache"));
}

TEST_F(PolicySourceTest, InvalidCacheIsNotUsed) {
  std::filesystem::create_directories(state());
  writeText(state() / "policy.cache", kBadPolicy);
  PolicySource source((dir_ / "absent.ini").string(), state(), time_);
  auto fetched = source.fetch();
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message.find("the cached policy is not valid"), std::string::npos)
      << fetched.error().message;
  EXPECT_NE(fetched.error().message.find("policy.cache:4: [clock] mode"), std::string::npos)
      << fetched.error().message;
}

TEST_F(PolicySourceTest, HttpSendsValidatorsAndKeepsTheCacheOn304) {
  PolicyHttpServer server;
  server.serve({200, kGoodPolicy, "\"v1\"", "Tue, 25 Nov 2025 10:00:00 GMT"});
  PolicySource source(server.url("/remediator/policy.ini"), state(), time_);

  auto first = source.fetch();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->fromCache);
  EXPECT_FALSE(first->unchanged);
  EXPECT_EQ(first->loaded.policy.service.server, "CENTRAL");
  EXPECT_EQ(first->loaded.origin, server.url("/remediator/policy.ini"));
  auto meta =
      Poco::JSON::Parser().parse(readText(state() / "policy.cache.json")).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(meta->getValue<std::string>("etag"), "\"v1\"");
  EXPECT_EQ(meta->getValue<std::string>("last_modified"), "Tue, 25 Nov 2025 10:00:00 GMT");

  auto second = source.fetch();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(second->unchanged);
  EXPECT_FALSE(second->fromCache);
  EXPECT_TRUE(second->problem.empty());
  EXPECT_EQ(second->loaded.policy, first->loaded.policy);
  EXPECT_EQ(second->loaded.sha256, first->loaded.sha256);

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].uri, "/remediator/policy.ini");
  EXPECT_EQ(seen[0].ifNoneMatch, "<absent>");
  EXPECT_EQ(seen[0].ifModifiedSince, "<absent>");
  EXPECT_EQ(seen[1].ifNoneMatch, "\"v1\"");
  EXPECT_EQ(seen[1].ifModifiedSince, "Tue, 25 Nov 2025 10:00:00 GMT");
}

TEST_F(PolicySourceTest, HttpNewVersionReplacesTheCache) {
  PolicyHttpServer server;
  server.serve({200, kGoodPolicy, "\"v1\"", ""});
  PolicySource source(server.url("/p.ini"), state(), time_);
  ASSERT_TRUE(source.fetch().ok());
  server.serve({200, kOtherGoodPolicy, "\"v2\"", ""});
  auto fetched = source.fetch();
  ASSERT_TRUE(fetched.ok());
  EXPECT_FALSE(fetched->unchanged);
  EXPECT_EQ(fetched->loaded.policy.clock.common.mode, Mode::kAudit);
  EXPECT_EQ(readText(state() / "policy.cache"), kOtherGoodPolicy);
}

TEST_F(PolicySourceTest, HttpServerDownUsesTheCache) {
  auto server = std::make_unique<PolicyHttpServer>();
  server->serve({200, kGoodPolicy, "\"v1\"", ""});
  const std::string url = server->url("/p.ini");
  PolicySource source(url, state(), time_);
  ASSERT_TRUE(source.fetch().ok());
  server->stop();

  auto fetched = source.fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_TRUE(fetched->fromCache);
  EXPECT_FALSE(fetched->unchanged);
  EXPECT_NE(fetched->problem.find(url + ": unreachable"), std::string::npos) << fetched->problem;
  EXPECT_EQ(fetched->loaded.policy.clock.common.mode, Mode::kEnforce);
}

TEST_F(PolicySourceTest, HttpInvalidPolicyKeepsTheCacheAndNamesTheError) {
  PolicyHttpServer server;
  server.serve({200, kGoodPolicy, "\"v1\"", ""});
  PolicySource source(server.url("/p.ini"), state(), time_);
  ASSERT_TRUE(source.fetch().ok());
  const std::string metaBefore = readText(state() / "policy.cache.json");

  server.serve({200, kBadPolicy, "\"v2\"", ""});
  auto fetched = source.fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_TRUE(fetched->fromCache);
  EXPECT_NE(
      fetched->problem.find(server.url("/p.ini") + ":4: [clock] mode: expected one of off, audit, enforce"),
      std::string::npos)
      << fetched->problem;
  EXPECT_EQ(fetched->loaded.policy.clock.common.mode, Mode::kEnforce);
  EXPECT_EQ(readText(state() / "policy.cache"), kGoodPolicy);
  EXPECT_EQ(readText(state() / "policy.cache.json"), metaBefore);
  // The next request still asks about the good version it holds.
  ASSERT_TRUE(source.fetch().ok());
  EXPECT_EQ(server.requests().back().ifNoneMatch, "\"v1\"");
}

TEST_F(PolicySourceTest, HttpErrorStatusFallsBackToTheCache) {
  PolicyHttpServer server;
  server.serve({200, kGoodPolicy, "", ""});
  PolicySource source(server.url("/p.ini"), state(), time_);
  ASSERT_TRUE(source.fetch().ok());
  EXPECT_EQ(server.requests().size(), 1u);
  server.serve({404, "not here", "", ""});
  auto fetched = source.fetch();
  ASSERT_TRUE(fetched.ok());
  EXPECT_TRUE(fetched->fromCache);
  EXPECT_NE(fetched->problem.find("HTTP 404"), std::string::npos) << fetched->problem;
  // Without validators from the server the second request was unconditional.
  EXPECT_EQ(server.requests().back().ifNoneMatch, "<absent>");
}

TEST_F(PolicySourceTest, NoCacheAndNoServerIsAnError) {
  PolicySource source(closedPortUrl(), state(), time_);
  source.setTimeout(2s);
  auto fetched = source.fetch();
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, platform::ErrorCode::kUnavailable);
  EXPECT_NE(fetched.error().message.find("unreachable"), std::string::npos) << fetched.error().message;
  EXPECT_NE(fetched.error().message.find("no cached policy"), std::string::npos) << fetched.error().message;
}

TEST_F(PolicySourceTest, CacheOfAnotherSourceIsAFallbackButSendsNoValidators) {
  PolicyHttpServer server;
  server.serve({200, kGoodPolicy, "\"v1\"", "Tue, 25 Nov 2025 10:00:00 GMT"});
  PolicySource first(server.url("/a.ini"), state(), time_);
  ASSERT_TRUE(first.fetch().ok());
  PolicySource second(server.url("/b.ini"), state(), time_);
  auto fetched = second.fetch();
  ASSERT_TRUE(fetched.ok());
  EXPECT_FALSE(fetched->fromCache);
  EXPECT_EQ(fetched->loaded.origin, server.url("/b.ini"));
  EXPECT_EQ(server.requests().back().ifNoneMatch, "<absent>");
}

TEST_F(PolicySourceTest, HttpsIsRejectedWithAClearMessage) {
  PolicySource source("https://127.0.0.1:9/p.ini", state(), time_);
  auto fetched = source.fetch();
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, platform::ErrorCode::kNotSupported);
  EXPECT_NE(fetched.error().message.find("https:// is not supported"), std::string::npos)
      << fetched.error().message;
}

TEST_F(PolicySourceTest, XmlOverHttpIsCachedAsXml) {
  PolicyHttpServer server;
  const std::string xml = "<policy><service><server>X</server></service></policy>";
  server.serve({200, xml, "", ""});
  PolicySource source(server.url("/policy"), state(), time_);
  ASSERT_TRUE(source.fetch().ok());
  auto meta =
      Poco::JSON::Parser().parse(readText(state() / "policy.cache.json")).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(meta->getValue<std::string>("format"), "xml");
  server.stop();
  auto cached = source.fetch();
  ASSERT_TRUE(cached.ok()) << cached.error().message;
  EXPECT_TRUE(cached->fromCache);
  EXPECT_EQ(cached->loaded.policy.service.server, "X");
}

}  // namespace
}  // namespace remediator::policies
