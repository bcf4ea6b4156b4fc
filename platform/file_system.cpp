#include "platform/file_system.h"

namespace remediator::platform {

Error tooLargeToRead(const std::string& shownAs, std::uint64_t size, std::uint64_t maxBytes) {
  return Error{ErrorCode::kInvalidData, shownAs + " holds " + std::to_string(size) + " bytes, more than the " +
                                            std::to_string(maxBytes) + " bytes it may have to be read; not read"};
}

namespace {

/// The default DirectoryHandle: each call goes through the file system's path calls, so it resolves the path
/// again every time. Right for in-memory file systems, and a fallback elsewhere.
class PathDirectoryHandle final : public DirectoryHandle {
 public:
  PathDirectoryHandle(FileSystem& files, std::filesystem::path dir) : files_(files), dir_(std::move(dir)) {}

  Result<std::vector<DirEntry>> list() const override { return files_.list(dir_); }
  Result<std::unique_ptr<DirectoryHandle>> openDirectory(const std::string& name) const override {
    return open(files_, dir_ / name);
  }
  Result<std::string> readFile(const std::string& name, std::uint64_t maxBytes) const override {
    return files_.readFile(dir_ / name, maxBytes);
  }
  Result<void> removeFile(const std::string& name) override { return files_.removeFile(dir_ / name); }
  Result<void> removeDirectory(const std::string& name) override { return files_.removeDirectory(dir_ / name); }

  static Result<std::unique_ptr<DirectoryHandle>> open(FileSystem& files, const std::filesystem::path& dir) {
    auto info = files.status(dir);
    if (!info) return info.error();
    if (info->type == FileType::kLink) {
      return fail(ErrorCode::kInvalidArgument, dir.string() + " is a link, which is not followed");
    }
    if (info->type != FileType::kDirectory) {
      return fail(ErrorCode::kInvalidArgument, dir.string() + " is not a directory");
    }
    return std::unique_ptr<DirectoryHandle>(std::make_unique<PathDirectoryHandle>(files, dir));
  }

 private:
  FileSystem& files_;
  std::filesystem::path dir_;
};

}  // namespace

Result<std::unique_ptr<DirectoryHandle>> FileSystem::openDirectory(const std::filesystem::path& dir) {
  return PathDirectoryHandle::open(*this, dir);
}

std::string expandEnvironment(const std::string& text) { return expandEnvironment(text, processEnvironment); }

std::string expandEnvironment(const std::string& text, const EnvironmentLookup& lookup) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('%', pos);
    const auto close = open == std::string::npos ? std::string::npos : text.find('%', open + 1);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, open - pos);
    const std::string name = text.substr(open + 1, close - open - 1);
    std::optional<std::string> value = name.empty() ? std::nullopt : lookup(name);
    if (value) {
      out += *value;
      pos = close + 1;
    } else {
      // Unknown: keep "%name" and let the closing '%' start the next reference, so "50% of %PATH%" still
      // expands PATH.
      out += '%';
      out += name;
      pos = close;
    }
  }
  return out;
}

}  // namespace remediator::platform
