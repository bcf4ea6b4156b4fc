// The Poco zip archiver. Poco throws; every exception stops here and becomes a Result naming the archive.
#include <Poco/DateTime.h>
#include <Poco/Exception.h>
#include <Poco/MemoryStream.h>
#include <Poco/Path.h>
#include <Poco/Timestamp.h>
#include <Poco/Zip/Compress.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <system_error>

#include "fixers/stale_logs/archiver.h"

namespace remediator::fixers::stale_logs {
namespace {

using platform::ErrorCode;
using platform::fail;
using platform::Result;

constexpr std::chrono::microseconds kDosEpoch{315532800LL * 1000000};  // 1980-01-01T00:00:00Z

// Files smaller than this are stored, not deflated. Deflating a file sets up a fresh compressor of about 256 KiB
// (allocated, zeroed and freed again for every entry), which for a log of a few hundred bytes costs far more than
// compressing it and saves a few hundred bytes at most; the entry headers dominate such files anyway.
constexpr std::size_t kStoreBelow = 1024;

class ZipWriter final : public ArchiveWriter {
 public:
  explicit ZipWriter(std::filesystem::path finalPath)
      : finalPath_(std::move(finalPath)), partialPath_(finalPath_.string() + ".partial") {}

  ~ZipWriter() override {
    if (finished_) return;
    compress_.reset();
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(partialPath_, ignored);
  }

  Result<void> start() {
    out_.open(partialPath_, std::ios::binary | std::ios::trunc);
    if (!out_) return fail(ErrorCode::kIo, "cannot create archive " + partialPath_.string());
    try {
      // Zip64 headers throughout: a logs folder may hold more than 65535 files or 4 GiB.
      compress_ = std::make_unique<Poco::Zip::Compress>(out_, true, true);
    } catch (const Poco::Exception& e) {
      return fail(ErrorCode::kIo, "cannot start archive " + partialPath_.string() + ": " + e.displayText());
    }
    return {};
  }

  Result<void> add(const std::string& entryName, const std::string& content, platform::SysTime modified) override {
    if (broken_) return fail(ErrorCode::kIo, "archive " + partialPath_.string() + " is broken by an earlier error");
    try {
      Poco::MemoryInputStream in(content.data(), content.size());
      // Zip stores DOS times, which start in 1980.
      const auto micros = std::max(std::chrono::duration_cast<std::chrono::microseconds>(modified.time_since_epoch()),
                                   kDosEpoch);
      const bool store = content.size() < kStoreBelow;
      compress_->addFile(in, Poco::DateTime(Poco::Timestamp(micros.count())),
                         Poco::Path(entryName, Poco::Path::PATH_UNIX),
                         store ? Poco::Zip::ZipCommon::CM_STORE : Poco::Zip::ZipCommon::CM_DEFLATE,
                         Poco::Zip::ZipCommon::CL_NORMAL);
    } catch (const Poco::Exception& e) {
      broken_ = true;  // the entry may be half written: the archive cannot be trusted any more
      return fail(ErrorCode::kIo, "archive " + partialPath_.string() + ": cannot add " + entryName + ": " +
                                      e.displayText());
    } catch (const std::exception& e) {
      broken_ = true;
      return fail(ErrorCode::kIo, "archive " + partialPath_.string() + ": cannot add " + entryName + ": " +
                                      e.what());
    }
    if (!out_) {
      broken_ = true;
      return fail(ErrorCode::kIo, "archive " + partialPath_.string() + ": write failed (disk full?)");
    }
    return {};
  }

  Result<void> finish() override {
    if (broken_) return fail(ErrorCode::kIo, "archive " + partialPath_.string() + " is broken by an earlier error");
    try {
      compress_->close();
    } catch (const Poco::Exception& e) {
      return fail(ErrorCode::kIo, "cannot complete archive " + partialPath_.string() + ": " + e.displayText());
    }
    out_.flush();
    out_.close();
    if (!out_) return fail(ErrorCode::kIo, "cannot complete archive " + partialPath_.string() + ": write failed");
    std::error_code error;
    std::filesystem::rename(partialPath_, finalPath_, error);
    if (error) {
      return fail(ErrorCode::kIo, "cannot rename " + partialPath_.string() + " to " + finalPath_.string() + ": " +
                                      error.message());
    }
    finished_ = true;
    return {};
  }

 private:
  std::filesystem::path finalPath_;
  std::filesystem::path partialPath_;
  std::ofstream out_;
  std::unique_ptr<Poco::Zip::Compress> compress_;
  bool finished_ = false;
  bool broken_ = false;
};

class ZipArchiver final : public Archiver {
 public:
  Result<std::unique_ptr<ArchiveWriter>> open(const std::filesystem::path& archivePath) override {
    auto writer = std::make_unique<ZipWriter>(archivePath);
    if (auto started = writer->start(); !started) return started.error();
    return std::unique_ptr<ArchiveWriter>(std::move(writer));
  }
};

}  // namespace

std::unique_ptr<Archiver> makeZipArchiver() { return std::make_unique<ZipArchiver>(); }

}  // namespace remediator::fixers::stale_logs
