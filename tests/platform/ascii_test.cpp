#include "platform/ascii.h"

#include <gtest/gtest.h>

#include <map>

namespace remediator::platform {
namespace {

TEST(AsciiTest, LowersOnlyAsciiLetters) {
  EXPECT_EQ(toLowerAscii("SOFTWARE\\Microsoft Ä 1"), "software\\microsoft Ä 1");
}

TEST(AsciiTest, ComparesWithoutCase) {
  EXPECT_TRUE(equalsIgnoreCase("MsiExec.exe", "msiexec.EXE"));
  EXPECT_FALSE(equalsIgnoreCase("msiexec", "msiexec.exe"));
  EXPECT_FALSE(equalsIgnoreCase("abc", "abd"));
}

TEST(AsciiTest, MapWithLessIgnoreCaseFindsAnyCase) {
  std::map<std::string, int, LessIgnoreCase> map{{"Winlogon", 1}, {"alpha", 2}};
  EXPECT_EQ(map.at("WINLOGON"), 1);
  EXPECT_EQ(map.count("Alpha"), 1u);
  EXPECT_TRUE(map.emplace("ALPHA", 3).second == false);
  EXPECT_EQ(map.begin()->first, "alpha");  // ordered as lower case: "alpha" < "winlogon"
}

}  // namespace
}  // namespace remediator::platform
