#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "platform/file_system.h"

namespace remediator::platform::testing {

/// The entries of `dir` by name with their types, for comparing a whole listing in one assertion; a failed
/// list() fails the calling test and gives an empty map.
inline std::map<std::string, FileType> listing(const FileSystem& files, const std::filesystem::path& dir) {
  std::map<std::string, FileType> out;
  auto entries = files.list(dir);
  EXPECT_TRUE(entries.ok()) << (entries.ok() ? "" : entries.error().message);
  if (entries.ok()) {
    for (const auto& entry : *entries) out[entry.name] = entry.info.type;
  }
  return out;
}

}  // namespace remediator::platform::testing
