#include "platform/process_runner.h"

namespace remediator::platform {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }

/// The arguments after the program name, split by the rules of CommandLineToArgvW:
/// - blanks outside quotes separate arguments; a quote toggles quoting and is dropped;
/// - 2n backslashes before a quote become n backslashes and the quote toggles quoting,
///   2n+1 backslashes before a quote become n backslashes and a literal quote;
/// - backslashes not followed by a quote are literal (so paths need no escaping);
/// - inside quotes, a run of quotes counts in threes: every third quote (counting the one that opened the
///   quoted part) is a literal quote, and the quoted part ends unless the run leaves it open.
std::vector<std::string> splitArguments(const std::string& text, std::size_t pos) {
  std::vector<std::string> args;
  std::string current;
  bool inArgument = false;
  int quotes = 0;  // 1 while inside a quoted part
  std::size_t backslashes = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (isBlank(c) && quotes == 0) {
      if (inArgument) args.push_back(std::move(current));
      current.clear();
      inArgument = false;
      backslashes = 0;
      ++pos;
      continue;
    }
    inArgument = true;
    if (c == '\\') {
      current += c;
      ++backslashes;
      ++pos;
      continue;
    }
    if (c != '"') {
      current += c;
      backslashes = 0;
      ++pos;
      continue;
    }
    // A quote: first settle the backslashes in front of it.
    current.resize(current.size() - backslashes / 2 - backslashes % 2);
    const bool escaped = backslashes % 2 == 1;
    backslashes = 0;
    ++pos;
    if (escaped) {
      current += '"';
      continue;
    }
    ++quotes;
    for (; pos < text.size() && text[pos] == '"'; ++pos) {
      if (++quotes == 3) {
        current += '"';
        quotes = 0;
      }
    }
    if (quotes == 2) quotes = 0;
  }
  if (inArgument) args.push_back(std::move(current));
  return args;
}

}  // namespace

Result<ProcessRequest> parseCommandLine(const std::string& commandLine) {
  std::size_t pos = 0;
  while (pos < commandLine.size() && isBlank(commandLine[pos])) ++pos;
  if (pos == commandLine.size()) return fail(ErrorCode::kInvalidArgument, "empty command line");

  // The program name has simpler rules than the arguments: quoted, it ends at the next quote whatever
  // precedes it (a path may end in a backslash); unquoted, it ends at the first blank.
  ProcessRequest request;
  if (commandLine[pos] == '"') {
    const auto close = commandLine.find('"', pos + 1);
    if (close == std::string::npos) {
      return fail(ErrorCode::kInvalidArgument,
                  "command line '" + commandLine + "': the quoted program name has no closing quote");
    }
    request.program = commandLine.substr(pos + 1, close - pos - 1);
    pos = close + 1;
  } else {
    const auto end = commandLine.find_first_of(" \t", pos);
    request.program = commandLine.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? commandLine.size() : end;
  }
  if (request.program.empty()) {
    return fail(ErrorCode::kInvalidArgument, "command line '" + commandLine + "' names no program");
  }
  request.args = splitArguments(commandLine, pos);
  return request;
}

Result<ProcessRequest> parseUninstallString(const std::string& commandLine,
                                            const std::function<bool(const std::string&)>& isFile) {
  std::size_t start = 0;
  while (start < commandLine.size() && isBlank(commandLine[start])) ++start;
  if (start == commandLine.size() || commandLine[start] == '"') return parseCommandLine(commandLine);

  // Every end of a candidate program: right after ".exe", where a blank or the end of the line follows.
  std::vector<std::size_t> ends;
  for (std::size_t at = commandLine.find('.', start); at != std::string::npos; at = commandLine.find('.', at + 1)) {
    const std::size_t end = at + 4;
    if (end > commandLine.size()) break;
    std::string ext = commandLine.substr(at, 4);
    for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (ext == ".exe" && (end == commandLine.size() || isBlank(commandLine[end]))) ends.push_back(end);
  }
  const auto firstBlank = commandLine.find_first_of(" \t", start);
  // One candidate with no blank inside it, or none: nothing is ambiguous.
  if (ends.empty() || (ends.size() == 1 && (firstBlank == std::string::npos || firstBlank >= ends.front()))) {
    return parseCommandLine(commandLine);
  }

  std::size_t chosen = ends.back();
  for (auto it = ends.rbegin(); it != ends.rend(); ++it) {
    if (isFile(commandLine.substr(start, *it - start))) {
      chosen = *it;
      break;
    }
  }
  ProcessRequest request;
  request.program = commandLine.substr(start, chosen - start);
  if (request.program.find('"') != std::string::npos) return parseCommandLine(commandLine);
  request.args = splitArguments(commandLine, chosen);
  return request;
}

}  // namespace remediator::platform
