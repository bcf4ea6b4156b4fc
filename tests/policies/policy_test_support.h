#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "policies/policy_loader.h"

namespace remediator::policies::testing {

/// The policies/ folder of the source tree (examples, README).
inline std::filesystem::path policiesDir() { return REMEDIATOR_POLICIES_DIR; }

inline std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// The error message of a policy that must fail to load; records a test failure when it loads.
inline std::string loadError(const std::string& text, PolicyFormat format = PolicyFormat::kIni,
                             const std::string& name = "policy.ini") {
  auto loaded = parsePolicy(text, format, name);
  if (loaded.ok()) {
    ADD_FAILURE() << "expected " << name << " to be rejected:\n" << text;
    return {};
  }
  EXPECT_EQ(loaded.error().code, platform::ErrorCode::kInvalidData);
  return loaded.error().message;
}

/// The smallest valid INI policy, to which a test appends its sections.
inline const std::string kServiceIni = "[service]\nserver = ESSENTIALS\n";

}  // namespace remediator::policies::testing
