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

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "policies/policy_document.h"
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
    std::string location;  ///< sent as Location when not empty (a redirect)
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
  /// Serves `reply` for `path` alone (a policy and its .sig); other paths get serve()'s reply.
  void serve(const std::string& path, Reply reply) {
    std::lock_guard lock(mutex_);
    paths_[path] = std::move(reply);
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
        auto path = server_.paths_.find(request.getURI());
        reply = path == server_.paths_.end() ? server_.reply_ : path->second;
      }
      if (!reply.location.empty()) response.set("Location", reply.location);
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
  std::map<std::string, Reply> paths_;
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
  source.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in

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
  source.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
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
  source.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
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
  source.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
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
  source.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
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
  source.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
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
  first.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
  ASSERT_TRUE(first.fetch().ok());
  PolicySource second(server.url("/b.ini"), state(), time_);
  second.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
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
  source.setTrust(PolicyTrust::unsignedAccepted());  // http without keys: the opt-in
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

// --- signed policies: every attack on the source, performed and seen refused ----------------------------------

/// A policy with its serial, signed by `key`, served at /p.ini and /p.ini.sig.
class SignedPolicySourceTest : public PolicySourceTest {
 protected:
  SignedPolicySourceTest() {
    trusted_ = generatePolicyKeyPair().value();
    attacker_ = generatePolicyKeyPair().value();
  }
  static std::string policy(int serial, const std::string& mode = "enforce") {
    return "[service]\nserver = CENTRAL\nserial = " + std::to_string(serial) + "\n[clock]\nmode = " + mode + "\n";
  }
  std::string sign(const std::string& text, const PolicyKeyPair& by) { return *signPolicy(text, by.privateKey); }
  /// Serves `text` with `signature` (none when empty: a 404 for the .sig).
  void publish(const std::string& text, const std::string& signature) {
    server_.serve("/p.ini", {200, text, "", ""});
    server_.serve("/p.ini.sig", signature.empty() ? PolicyHttpServer::Reply{404, "", "", ""}
                                                  : PolicyHttpServer::Reply{200, signature, "", ""});
  }
  PolicyTrust trust() const {
    PolicyTrust t;
    t.keys = {trusted_.publicKey};
    t.keysOrigin = "POLICY_KEYS";
    t.acceptedFile = state() / "policy.accepted.json";
    return t;
  }
  std::unique_ptr<PolicySource> source() {
    auto s = std::make_unique<PolicySource>(server_.url("/p.ini"), state(), time_);
    s->setTrust(trust());
    return s;
  }
  /// Publishes `serial` signed by the trusted key and fetches it: the last good policy of a test.
  void acceptGood(int serial) {
    publish(policy(serial), sign(policy(serial), trusted_));
    auto fetched = source()->fetch();
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    ASSERT_FALSE(fetched->fromCache) << fetched->problem;
    ASSERT_EQ(fetched->loaded.policy.service.serial, serial);
  }
  /// Fetches after an attack: the last good policy (serial `serial`) stays, the source's is refused with `why`.
  void expectRefusedKeeping(int serial, const std::string& why) {
    auto fetched = source()->fetch();
    ASSERT_TRUE(fetched.ok()) << fetched.error().message;
    EXPECT_TRUE(fetched->fromCache);
    EXPECT_TRUE(fetched->refused);
    EXPECT_EQ(fetched->loaded.policy.service.serial, serial);
    EXPECT_EQ(fetched->signedBy, trusted_.publicKey.id);
    EXPECT_NE(fetched->problem.find(why), std::string::npos) << fetched->problem;
    EXPECT_EQ(readText(state() / "policy.cache"), policy(serial));
  }

  PolicyKeyPair trusted_;
  PolicyKeyPair attacker_;
  PolicyHttpServer server_;
};

TEST_F(SignedPolicySourceTest, ASignedPolicyIsUsedAndItsSignatureAndSerialKept) {
  acceptGood(5);
  EXPECT_EQ(readText(state() / "policy.cache.sig"), sign(policy(5), trusted_));
  auto accepted = readAcceptedPolicy(state() / "policy.accepted.json");
  ASSERT_TRUE(accepted.ok() && accepted->has_value());
  EXPECT_EQ((*accepted)->serial, 5);
  EXPECT_EQ((*accepted)->keyId, trusted_.publicKey.id);
  EXPECT_EQ((*accepted)->source, server_.url("/p.ini"));
  // The .sig came from the same server, beside the policy.
  bool askedForSignature = false;
  for (const auto& r : server_.requests()) askedForSignature = askedForSignature || r.uri == "/p.ini.sig";
  EXPECT_TRUE(askedForSignature);
}

TEST_F(SignedPolicySourceTest, ATamperedPolicyIsRefused) {
  acceptGood(5);
  std::string tampered = policy(6);
  publish(tampered + "[connector]\nmode = enforce\ninstaller_url = http://evil/x.exe\n", sign(tampered, trusted_));
  expectRefusedKeeping(5, "does not match the policy's bytes");
}

TEST_F(SignedPolicySourceTest, APolicySignedByAnotherKeyIsRefused) {
  acceptGood(5);
  publish(policy(6), sign(policy(6), attacker_));
  expectRefusedKeeping(5, "signed by key " + attacker_.publicKey.id + ", which is not a trusted key");
}

TEST_F(SignedPolicySourceTest, APolicyWithoutASignatureIsRefused) {
  acceptGood(5);
  publish(policy(6), "");
  expectRefusedKeeping(5, "it has no signature (");
}

TEST_F(SignedPolicySourceTest, AReplayedOlderSignedPolicyIsRefused) {
  const std::string older = policy(4, "enforce");
  const std::string olderSignature = sign(older, trusted_);
  publish(older, olderSignature);
  ASSERT_TRUE(source()->fetch().ok());
  acceptGood(5);
  publish(older, olderSignature);  // a genuine signature, a serial gone by
  expectRefusedKeeping(5, "serial 4 is lower than 5");
}

TEST_F(SignedPolicySourceTest, TheSameSerialWithOtherContentIsRefused) {
  acceptGood(5);
  const std::string other = policy(5, "audit");
  publish(other, sign(other, trusted_));
  expectRefusedKeeping(5, "raise [service] serial on every publish");
}

TEST_F(SignedPolicySourceTest, TheSamePolicyAgainAndAHigherSerialAreAccepted) {
  acceptGood(5);
  auto again = source()->fetch();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->fromCache);
  EXPECT_TRUE(again->unchanged);
  acceptGood(9);
}

TEST_F(SignedPolicySourceTest, AKeyPlantedInTheFetchedPolicyIsNotTrusted) {
  acceptGood(5);
  // The attacker's policy names the attacker's key as if it were a setting and is signed by it: keys come only
  // from the install (PolicyTrust), so the signature is checked against the trusted key and refused.
  const std::string planted = policy(6) + "[service]\npolicy_keys = " + formatPublicKey(attacker_.publicKey) + "\n";
  publish(planted, sign(planted, attacker_));
  expectRefusedKeeping(5, "which is not a trusted key");
  EXPECT_EQ(source()->trust().keys, std::vector<PolicyKey>{trusted_.publicKey});
}

TEST_F(SignedPolicySourceTest, ACacheSwappedOnDiskIsNotTrusted) {
  acceptGood(5);
  server_.stop();
  // The cached text replaced, its signature left: not used, and with the source down nothing is.
  writeText(state() / "policy.cache", policy(5, "audit"));
  auto swapped = source()->fetch();
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(swapped.error().message.find("is not trusted: the signature by key"), std::string::npos)
      << swapped.error().message;
  // A cache without its signature: not used either.
  writeText(state() / "policy.cache", policy(5));
  std::filesystem::remove(state() / "policy.cache.sig");
  auto unsigned_ = source()->fetch();
  ASSERT_FALSE(unsigned_.ok());
  EXPECT_NE(unsigned_.error().message.find("it has no signature beside it"), std::string::npos)
      << unsigned_.error().message;
}

TEST_F(SignedPolicySourceTest, AnOlderGenuinePolicyPlantedAsTheCacheIsNotTrusted) {
  const std::string older = policy(4);
  const std::string olderSignature = sign(older, trusted_);
  acceptGood(5);
  server_.stop();
  writeText(state() / "policy.cache", older);
  writeText(state() / "policy.cache.sig", olderSignature);
  auto planted = source()->fetch();
  ASSERT_FALSE(planted.ok());
  EXPECT_NE(planted.error().message.find("serial 4 is lower than 5"), std::string::npos) << planted.error().message;
}

TEST_F(SignedPolicySourceTest, ACacheSignedByARemovedKeyIsNotTrustedAfterRotation) {
  acceptGood(5);
  server_.stop();
  auto rotated = source();
  auto t = trust();
  t.keys = {attacker_.publicKey};  // the old key retired, another one in its place
  rotated->setTrust(t);
  auto fetched = rotated->fetch();
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.error().message.find("not a trusted key"), std::string::npos) << fetched.error().message;
}

TEST_F(SignedPolicySourceTest, ADamagedAntiRollbackRecordRefusesNewPoliciesNamingIt) {
  acceptGood(5);
  writeText(state() / "policy.accepted.json", "{\"serial\": ");
  publish(policy(6), sign(policy(6), trusted_));
  auto fetched = source()->fetch();
  ASSERT_FALSE(fetched.ok());  // the cache is not vouched for either: the record that would is gone
  EXPECT_NE(fetched.error().message.find("policy.accepted.json: the anti-rollback record is damaged"),
            std::string::npos)
      << fetched.error().message;
}

TEST_F(SignedPolicySourceTest, AnOverLongSignatureIsRefusedLikeAnOverLongPolicy) {
  acceptGood(5);
  publish(policy(6), std::string(kMaxPolicyBytes + 10, 'A'));
  expectRefusedKeeping(5, "larger than");
}

TEST_F(SignedPolicySourceTest, ARedirectToAnotherHostIsNotFollowedForThePolicyOrItsSignature) {
  acceptGood(5);
  server_.serve("/p.ini", {302, "", "", "", "http://attacker.example/p.ini"});
  expectRefusedKeeping(5, "redirects to http://attacker.example/p.ini");
  publish(policy(6), "");
  server_.serve("/p.ini.sig", {302, "", "", "", "http://attacker.example/p.ini.sig"});
  expectRefusedKeeping(5, "redirects to http://attacker.example/p.ini.sig");
}

TEST_F(SignedPolicySourceTest, AFileSourceNeedsItsSignatureBesideIt) {
  // A UNC or local path source: the same rules, the .sig beside the file.
  const auto file = dir_ / "policy.ini";
  writeText(file, policy(3));
  PolicySource share(file.string(), state(), time_);
  share.setTrust(trust());
  auto unsigned_ = share.fetch();
  ASSERT_FALSE(unsigned_.ok());
  EXPECT_EQ(unsigned_.error().code, platform::ErrorCode::kPermissionDenied);
  EXPECT_NE(unsigned_.error().message.find("policy.ini.sig"), std::string::npos) << unsigned_.error().message;
  writeText(dir_ / "policy.ini.sig", sign(policy(3), trusted_));
  auto signed_ = share.fetch();
  ASSERT_TRUE(signed_.ok()) << signed_.error().message;
  EXPECT_EQ(signed_->signedBy, trusted_.publicKey.id);
}

TEST_F(SignedPolicySourceTest, UnsignedHttpWithoutTheOptInIsRefusedBeforeAnyRequest) {
  PolicySource plain(server_.url("/p.ini"), state(), time_);  // no keys, no ALLOW_UNSIGNED_HTTP
  publish(policy(1), "");
  auto fetched = plain.fetch();
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.error().code, platform::ErrorCode::kPermissionDenied);
  EXPECT_NE(fetched.error().message.find("ALLOW_UNSIGNED_HTTP=1"), std::string::npos) << fetched.error().message;
  EXPECT_TRUE(server_.requests().empty());
  // With the opt-in it is fetched; the cache it leaves is not trusted once the opt-in is gone.
  plain.setTrust(PolicyTrust::unsignedAccepted());
  ASSERT_TRUE(plain.fetch().ok());
  plain.setTrust(PolicyTrust{});
  server_.stop();
  auto cached = plain.fetch();
  ASSERT_FALSE(cached.ok());
  EXPECT_NE(cached.error().message.find("the cached policy is not trusted"), std::string::npos)
      << cached.error().message;
}

TEST_F(SignedPolicySourceTest, TheStateFoldersOwnFileNeedsNoSignature) {
  const auto file = dir_ / "policy.ini";
  writeText(file, policy(0));
  PolicySource local(file.string(), dir_ / "bootstrap", time_);
  auto t = trust();
  t.trustedLocation = true;
  local.setTrust(t);
  auto fetched = local.fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_TRUE(fetched->signedBy.empty());
  EXPECT_FALSE(std::filesystem::exists(state() / "policy.accepted.json"));  // no serial kept for it
}

}  // namespace
}  // namespace remediator::policies
