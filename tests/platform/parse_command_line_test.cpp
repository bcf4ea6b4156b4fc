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

}  // namespace
}  // namespace remediator::platform
