#include "platform/windows/windows_process_runner.h"

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "platform/ascii.h"
#include "platform/windows/win32_error.h"
#include "platform/windows/win32_handle.h"
#include "platform/windows/win32_text.h"

namespace remediator::platform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxCommandLine = 32767;

bool needsQuotes(std::string_view text) {
  return text.empty() || text.find_first_of(" \t\n\v\"") != std::string_view::npos;
}

bool isBatchFile(const std::string& program) {
  const std::string lower = toLowerAscii(program);
  const auto endsWith = [&lower](std::string_view suffix) {
    return lower.size() >= suffix.size() && lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return endsWith(".bat") || endsWith(".cmd");
}

/// Reads whatever the pipe holds now without blocking; false once the pipe is closed at the other end.
bool readAvailable(HANDLE pipe, std::string& output) {
  char buffer[16 * 1024];
  for (;;) {
    DWORD available = 0;
    if (!::PeekNamedPipe(pipe, nullptr, 0, nullptr, &available, nullptr)) return false;
    if (available == 0) return true;
    DWORD got = 0;
    if (!::ReadFile(pipe, buffer, std::min<DWORD>(available, sizeof buffer), &got, nullptr)) return false;
    const std::size_t room = WindowsProcessRunner::kMaxOutput - std::min(output.size(), WindowsProcessRunner::kMaxOutput);
    output.append(buffer, std::min<std::size_t>(room, got));
  }
}

// Handles are made inheritable only while one child is created, so that two runs on two threads never hand
// each other's pipe to their children (a child holding a foreign pipe would keep that pipe from closing).
std::mutex& creationMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

std::string quoteWindowsArgument(std::string_view argument) {
  if (!needsQuotes(argument)) return std::string(argument);
  std::string quoted = "\"";
  std::size_t backslashes = 0;
  for (const char c : argument) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    if (c == '"') {
      quoted.append(backslashes * 2 + 1, '\\');  // each backslash doubled, then one to escape the quote
    } else {
      quoted.append(backslashes, '\\');
    }
    backslashes = 0;
    quoted += c;
  }
  quoted.append(backslashes * 2, '\\');  // the closing quote must not be escaped
  quoted += '"';
  return quoted;
}

Result<std::string> buildCommandLine(const ProcessRequest& request) {
  if (request.program.empty()) return fail(ErrorCode::kInvalidArgument, "no program to run");
  if (request.program.find('"') != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "program name '" + request.program + "' contains a double quote");
  }
  // The program name is split by simpler rules than the arguments (it ends at the next quote): quote it
  // without escaping.
  std::string line = needsQuotes(request.program) ? "\"" + request.program + "\"" : request.program;
  for (const auto& arg : request.args) {
    line += ' ';
    line += quoteWindowsArgument(arg);
  }
  return line;
}

Result<ProcessResult> WindowsProcessRunner::run(const ProcessRequest& request) {
  auto commandLine = buildCommandLine(request);
  if (!commandLine) return commandLine.error();
  if (isBatchFile(request.program)) {
    return fail(ErrorCode::kInvalidArgument,
                "cannot run " + request.program + ": batch files run under cmd.exe, which parses arguments by "
                "its own rules; name cmd.exe as the program if that is intended");
  }
  auto wideLine = toWide(*commandLine);
  if (!wideLine) return fail(ErrorCode::kInvalidArgument, "command line of " + request.program + ": " +
                                                              wideLine.error().message);
  if (wideLine->size() >= kMaxCommandLine) {
    return fail(ErrorCode::kInvalidArgument, "command line of " + request.program + " is " +
                                                 std::to_string(wideLine->size()) +
                                                 " characters long; Windows allows 32766");
  }
  std::wstring wideDirectory;
  if (!request.workingDirectory.empty()) {
    auto dir = toWide(request.workingDirectory);
    if (!dir) return fail(ErrorCode::kInvalidArgument, "working directory: " + dir.error().message);
    const DWORD attributes = ::GetFileAttributesW(dir->c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES || (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
      return fail(ErrorCode::kNotFound, "cannot run " + request.program + ": working directory " +
                                            request.workingDirectory + " does not exist");
    }
    wideDirectory = *dir;
  }

  // The job lets a timeout end the whole tree. It is not kill-on-close: many uninstallers copy themselves to
  // a temp folder, start the copy and exit, and that copy must be left to finish.
  UniqueHandle job(::CreateJobObjectW(nullptr, nullptr));

  UniqueHandle readPipe;
  UniqueHandle writePipe;
  UniqueHandle nul;
  PROCESS_INFORMATION process{};
  {
    std::lock_guard<std::mutex> lock(creationMutex());
    SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    if (!::CreatePipe(readPipe.out(), writePipe.out(), &inherit, 0)) {
      return lastWin32Failure("create a pipe for", request.program);
    }
    ::SetHandleInformation(readPipe.get(), HANDLE_FLAG_INHERIT, 0);
    nul.reset(::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0,
                            nullptr));
    if (!nul) return lastWin32Failure("open NUL for", request.program);

    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = nul.get();
    startup.hStdOutput = writePipe.get();
    startup.hStdError = writePipe.get();
    // CreateProcessW may write into the command line buffer: give it a private, writable copy.
    std::wstring mutableLine = *wideLine;
    const BOOL created = ::CreateProcessW(
        nullptr, mutableLine.data(), nullptr, nullptr, TRUE, CREATE_NO_WINDOW | CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT,
        nullptr, wideDirectory.empty() ? nullptr : wideDirectory.c_str(), &startup, &process);
    const DWORD err = created ? ERROR_SUCCESS : ::GetLastError();
    // Only the child may hold the write end now, so the pipe closes when the child (and its children) end.
    writePipe.reset();
    nul.reset();
    if (!created) {
      if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND) {
        return fail(ErrorCode::kNotFound, "cannot run " + request.program + ": no such program");
      }
      return win32Failure("run", request.program, err);
    }
  }
  UniqueHandle processHandle(process.hProcess);
  UniqueHandle threadHandle(process.hThread);
  // In the job before it runs a single instruction, so nothing it starts can escape a timeout. Where jobs cannot
  // be used, the timeout still ends the process itself.
  const bool inJob = job && ::AssignProcessToJobObject(job.get(), processHandle.get());
  ::ResumeThread(threadHandle.get());

  ProcessResult result;
  std::string raw;
  const auto deadline = Clock::now() + request.timeout;
  bool open = true;
  for (;;) {
    if (open) open = readAvailable(readPipe.get(), raw);
    const auto now = Clock::now();
    if (now >= deadline) {
      if (inJob) {
        ::TerminateJobObject(job.get(), 1);
      } else {
        ::TerminateProcess(processHandle.get(), 1);
      }
      ::WaitForSingleObject(processHandle.get(), 5000);
      if (open) readAvailable(readPipe.get(), raw);
      result.timedOut = true;
      break;
    }
    // Wake every few milliseconds to read output, so a chatty child never blocks on a full pipe.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    const DWORD waitMs = static_cast<DWORD>(std::min<long long>(left, 20));
    if (::WaitForSingleObject(processHandle.get(), waitMs) == WAIT_OBJECT_0) {
      // What the child wrote before it ended is in the pipe now; a grandchild that keeps the pipe open
      // must not hold us up.
      if (open) readAvailable(readPipe.get(), raw);
      break;
    }
  }
  if (!result.timedOut) {
    DWORD code = 0;
    result.exitCode = ::GetExitCodeProcess(processHandle.get(), &code) ? static_cast<int>(code) : -1;
  }
  result.output = consoleBytesToUtf8(raw);
  return result;
}

}  // namespace remediator::platform
