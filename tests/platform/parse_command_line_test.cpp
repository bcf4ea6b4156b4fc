#include <gtest/gtest.h>

#include "platform/process_runner.h"

namespace remediator::platform {
namespace {

using Args = std::vector<std::string>;

ProcessRequest parsed(const std::string& commandLine) {
  auto request = parseCommandLine(commandLine);
  EXPECT_TRUE(request.ok()) << commandLine << ": " << (request.ok() ? "" : request.error().message);
  return request.ok() ? *request : ProcessRequest{};
}

TEST(ParseCommandLineTest, MsiexecUninstallString) {
  auto request = parsed("MsiExec.exe /X{A7C1D5E2-0000-4000-8000-00000000C0DE}");
  EXPECT_EQ(request.program, "MsiExec.exe");
  EXPECT_EQ(request.args, Args{"/X{A7C1D5E2-0000-4000-8000-00000000C0DE}"});
}

TEST(ParseCommandLineTest, QuotedProgramPathWithSpaces) {
  auto request = parsed("\"C:\\Program Files\\X\\uninst.exe\" /S");
  EXPECT_EQ(request.program, "C:\\Program Files\\X\\uninst.exe");
  EXPECT_EQ(request.args, Args{"/S"});
}

TEST(ParseCommandLineTest, QuotedProgramEndsAtTheNextQuoteEvenAfterABackslash) {
  auto request = parsed("\"C:\\Tools\\\" /x");
  EXPECT_EQ(request.program, "C:\\Tools\\");
  EXPECT_EQ(request.args, Args{"/x"});
}

TEST(ParseCommandLineTest, QuotedArgumentKeepsItsSpacesAndBackslashes) {
  auto request = parsed("setup.exe /LOG \"C:\\Temp\\my log.txt\" /quiet");
  EXPECT_EQ(request.program, "setup.exe");
  EXPECT_EQ(request.args, (Args{"/LOG", "C:\\Temp\\my log.txt", "/quiet"}));
}

TEST(ParseCommandLineTest, QuotesInsideAnArgumentJoinTheParts) {
  auto request = parsed("setup.exe /DIR=\"C:\\Program Files\\App\" /S");
  EXPECT_EQ(request.args, (Args{"/DIR=C:\\Program Files\\App", "/S"}));
}

TEST(ParseCommandLineTest, BackslashesBeforeAQuote) {
  // 2n backslashes + quote: n backslashes, the quote toggles quoting.
  EXPECT_EQ(parsed("a.exe \"C:\\dir\\\\\" next").args, (Args{"C:\\dir\\", "next"}));
  // 2n+1 backslashes + quote: n backslashes and a literal quote.
  EXPECT_EQ(parsed("a.exe \\\"quoted\\\"").args, (Args{"\"quoted\""}));
  EXPECT_EQ(parsed("a.exe a\\\\\\\"b").args, (Args{"a\\\"b"}));
  // Backslashes not before a quote are literal.
  EXPECT_EQ(parsed("a.exe a\\\\b c\\").args, (Args{"a\\\\b", "c\\"}));
}

TEST(ParseCommandLineTest, EmptyQuotedArgumentIsKept) {
  EXPECT_EQ(parsed("a.exe \"\" x").args, (Args{"", "x"}));
}

TEST(ParseCommandLineTest, DoubledQuoteInsideQuotesIsALiteralQuote) {
  EXPECT_EQ(parsed("a.exe \"a\"\"b\"").args, (Args{"a\"b"}));
  EXPECT_EQ(parsed("a.exe \"\"\"x\"\"\"").args, (Args{"\"x\""}));
}

TEST(ParseCommandLineTest, BlanksSeparateAndSurroundingBlanksAreIgnored) {
  auto request = parsed("  MsiExec.exe   /x\t\t{GUID}   ");
  EXPECT_EQ(request.program, "MsiExec.exe");
  EXPECT_EQ(request.args, (Args{"/x", "{GUID}"}));
  EXPECT_TRUE(parsed("tool.exe").args.empty());
}

TEST(ParseCommandLineTest, ArgumentStartsRightAfterAQuotedProgram) {
  auto request = parsed("\"C:\\a b\\x.exe\"/S");
  EXPECT_EQ(request.program, "C:\\a b\\x.exe");
  EXPECT_EQ(request.args, Args{"/S"});
}

TEST(ParseCommandLineTest, EmptyOrUnterminatedCommandLinesAreErrors) {
  for (const char* bad : {"", "   \t", "\"\" /x"}) {
    auto request = parseCommandLine(bad);
    ASSERT_FALSE(request.ok()) << bad;
    EXPECT_EQ(request.error().code, ErrorCode::kInvalidArgument);
  }
  auto unterminated = parseCommandLine("\"C:\\Program Files\\X\\uninst.exe /S");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_EQ(unterminated.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unterminated.error().message.find("closing quote"), std::string::npos);
}

TEST(ParseUninstallStringTest, TheLongestExistingExePrefixIsTheProgram) {
  const std::string line = "C:\\Program Files\\My App\\uninst.exe /S /LOG=\"C:\\a b.txt\"";
  std::vector<std::string> asked;
  const auto exists = [&](const std::string& p) {
    asked.push_back(p);
    return p == "C:\\Program Files\\My App\\uninst.exe" || p == "C:\\Program.exe";
  };
  auto request = parseUninstallString(line, exists);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->program, "C:\\Program Files\\My App\\uninst.exe");
  EXPECT_EQ(request->args, (Args{"/S", "/LOG=C:\\a b.txt"}));
  // C:\Program.exe is not even a candidate: ".exe" must end at a blank or the line's end.
  EXPECT_EQ(asked, (std::vector<std::string>{"C:\\Program Files\\My App\\uninst.exe"}));
}

TEST(ParseUninstallStringTest, APlantedShorterProgramIsNotTakenOverTheRegisteredOne) {
  const std::string line = "C:\\Program.exe Files\\uninst.EXE /x";
  auto both = parseUninstallString(line, [](const std::string&) { return true; });
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->program, "C:\\Program.exe Files\\uninst.EXE");
  EXPECT_EQ(both->args, Args{"/x"});
  // Only the shorter one exists: that is what Windows would run too.
  auto shortOnly = parseUninstallString(line, [](const std::string& p) { return p == "C:\\Program.exe"; });
  ASSERT_TRUE(shortOnly.ok());
  EXPECT_EQ(shortOnly->program, "C:\\Program.exe");
  EXPECT_EQ(shortOnly->args, (Args{"Files\\uninst.EXE", "/x"}));
  // Neither exists: the longest, so the failure to start names the registered program.
  auto none = parseUninstallString(line, [](const std::string&) { return false; });
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->program, "C:\\Program.exe Files\\uninst.EXE");
}

TEST(ParseUninstallStringTest, QuotedOrUnambiguousLinesSplitAsCommandLines) {
  const auto never = [](const std::string&) {
    ADD_FAILURE() << "no file check is needed";
    return false;
  };
  for (const char* line : {"MsiExec.exe /X{A7C1D5E2-0000-4000-8000-00000000C0DE}",
                           "\"C:\\Program Files\\X\\uninst.exe\" /S", "C:\\Tools\\remove.exe /quiet",
                           "C:\\Tools\\remove /quiet"}) {
    auto a = parseUninstallString(line, never);
    auto b = parseCommandLine(line);
    ASSERT_TRUE(a.ok() && b.ok()) << line;
    EXPECT_EQ(a->program, b->program) << line;
    EXPECT_EQ(a->args, b->args) << line;
  }
  EXPECT_FALSE(parseUninstallString("  ", never).ok());
}

}  // namespace
}  // namespace remediator::platform
