// What the connector guard costs: one detect on a steady machine (every scheduled run), checking an installer
// (SHA-256 and sniffing, done after each download and before each install) and the HTTP download itself over
// loopback from a Poco server started here on 127.0.0.1.

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "fixers/connector/connector_fixer.h"
#include "fixers/connector/connector_journal.h"
#include "fixers/connector/installer_check.h"
#include "platform/memory/memory_platform.h"

namespace {

using namespace remediator;

void BM_DetectSteady(benchmark::State& state) {
  platform::ManualTimeSource time;
  platform::MemoryPlatform machine(time);
  machine.products.add({"Windows Server Essentials Connector", "10.0", "Microsoft",
                        "{3F5B7C1D-0000-0000-0000-000000000000}", "",
                        "MsiExec.exe /X{3F5B7C1D-0000-0000-0000-000000000000}", ""});
  // A realistic programs list: the Connector among a hundred others.
  for (int i = 0; i < 100; ++i)
    machine.products.add({"Program " + std::to_string(i), "1.0", "Vendor", "", "", "", ""});
  policies::Policy policy;
  policy.service.server = "server01";
  const std::filesystem::path stateDir = "C:/ProgramData/Remediator";
  fixers::connector::ConnectorJournal journal{fixers::connector::GuardState::kSteady, time.now(),
                                              "first sight", *machine.os.identity()};
  (void)fixers::connector::saveJournal(machine.files, stateDir, journal);
  auto fixer = fixers::makeConnectorFixer();
  fixers::FixerContext ctx{machine.get(), policy, stateDir, time.now() + std::chrono::hours(1),
                           [](auto&&...) {}};
  for (auto _ : state) {
    auto finding = fixer->detect(ctx);
    if (finding.status != fixers::FindingStatus::kCompliant) state.SkipWithError(finding.message.c_str());
    benchmark::DoNotOptimize(finding);
  }
}
BENCHMARK(BM_DetectSteady);

std::string installerOfSize(std::size_t bytes) {
  std::string body(bytes, '\0');
  std::mt19937 random(42);
  for (auto& c : body) c = static_cast<char>(random());
  body[0] = 'M';
  body[1] = 'Z';
  return body;
}

void BM_CheckInstaller(benchmark::State& state) {
  const auto body = installerOfSize(static_cast<std::size_t>(state.range(0)) << 20);
  const auto sha = fixers::connector::sha256Hex(body);
  for (auto _ : state) {
    auto kind = fixers::connector::checkInstaller(body, "application/octet-stream", sha, "bench");
    if (!kind) state.SkipWithError(kind.error().message.c_str());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_CheckInstaller)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond);

class BodyHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit BodyHandler(const std::string& body) : body_(body) {}
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
    response.setContentType("application/octet-stream");
    response.setContentLength64(static_cast<Poco::Int64>(body_.size()));
    response.send().write(body_.data(), static_cast<std::streamsize>(body_.size()));
  }

 private:
  const std::string& body_;
};

class BodyFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit BodyFactory(const std::string& body) : body_(body) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new BodyHandler(body_);
  }

 private:
  const std::string& body_;
};

void BM_HttpDownload(benchmark::State& state) {
  const auto body = installerOfSize(static_cast<std::size_t>(state.range(0)) << 20);
  std::random_device rd;
  const auto dir =
      std::filesystem::temp_directory_path() / ("remediator-connector-bench-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::HTTPServer server(new BodyFactory(body), socket, new Poco::Net::HTTPServerParams);
  server.start();
  const auto url = "http://127.0.0.1:" + std::to_string(socket.address().port()) + "/Connect";
  auto downloader = fixers::connector::makeHttpDownloader();
  for (auto _ : state) {
    auto got = downloader->download({url, dir / "installer.download", std::chrono::seconds(60)});
    if (!got) state.SkipWithError(got.error().message.c_str());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
  server.stopAll(true);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_HttpDownload)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
