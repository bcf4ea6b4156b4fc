#pragma once

#include <set>
#include <string>
#include <vector>

#include "fixers/stale_logs/archiver.h"

namespace remediator::fixers::stale_logs::testing {

/// An archiver that records what it was given. On finish it writes a manifest (one entry name per line) to the
/// archive path in `output`, so archive retention can be checked on the same in-memory file system.
class FakeArchiver final : public Archiver {
 public:
  explicit FakeArchiver(platform::FileSystem& output) : output_(output) {}

  platform::Result<std::unique_ptr<ArchiveWriter>> open(const std::filesystem::path& archivePath) override {
    if (failOpen) return platform::fail(platform::ErrorCode::kIo, "cannot create " + archivePath.string());
    ++opened;
    return std::unique_ptr<ArchiveWriter>(new Writer(*this, archivePath));
  }

  bool failOpen = false;
  bool failFinish = false;
  std::set<std::string> failAdd;  ///< entry names whose add fails
  int opened = 0;
  std::vector<std::filesystem::path> finished;  ///< archives completed, in order
  std::vector<std::string> entries;             ///< entry names of every completed archive
  std::uint64_t bytes = 0;                      ///< content bytes of every completed archive

 private:
  class Writer final : public ArchiveWriter {
   public:
    Writer(FakeArchiver& owner, std::filesystem::path path) : owner_(owner), path_(std::move(path)) {}

    platform::Result<void> add(const std::string& entryName, const std::string& content,
                               platform::SysTime) override {
      if (owner_.failAdd.count(entryName)) return platform::fail(platform::ErrorCode::kIo, "deflate failed");
      pendingBytes_ += content.size();
      pending_.push_back(entryName);
      return {};
    }

    platform::Result<void> finish() override {
      if (owner_.failFinish) return platform::fail(platform::ErrorCode::kIo, "disk full");
      std::string manifest;
      for (const auto& name : pending_) manifest += name + "\n";
      if (auto written = owner_.output_.writeFileAtomic(path_, manifest); !written) return written;
      owner_.finished.push_back(path_);
      owner_.entries.insert(owner_.entries.end(), pending_.begin(), pending_.end());
      owner_.bytes += pendingBytes_;
      return {};
    }

   private:
    FakeArchiver& owner_;
    std::filesystem::path path_;
    std::vector<std::string> pending_;
    std::uint64_t pendingBytes_ = 0;
  };

  platform::FileSystem& output_;
};

}  // namespace remediator::fixers::stale_logs::testing
