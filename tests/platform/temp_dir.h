#pragma once

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

namespace remediator::platform::testing {

/// A folder of the test's own under the system temp directory, removed with everything in it when the object
/// dies. The name is random and create_directory fails on an existing one, so parallel runs never share a
/// folder (the portable equivalent of mkdtemp: the Windows build runs these tests too).
class ScopedTempDir {
 public:
  ScopedTempDir() {
    const auto base = std::filesystem::temp_directory_path();
    std::random_device seed;
    std::mt19937_64 random(seed());
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto candidate = base / ("remediator-platform-" + std::to_string(random() % 1000000000000ULL));
      std::error_code ec;
      if (std::filesystem::create_directory(candidate, ec)) {
        path_ = candidate;
        return;
      }
      if (ec) throw std::runtime_error("cannot create a temp folder under " + base.string() + ": " + ec.message());
    }
    throw std::runtime_error("no free temp folder name under " + base.string());
  }
  ~ScopedTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace remediator::platform::testing
