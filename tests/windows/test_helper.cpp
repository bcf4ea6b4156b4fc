// A small Windows program the backend tests run: as a child process (to check exit codes, output, argument
// quoting, timeouts) and as a service (to check the service manager against a real SCM).
//   test_helper args ARG...        prints each argument as the C runtime parsed it, one per line in <>
//   test_helper exit N             exits with N
//   test_helper out TEXT           writes TEXT to standard output and "err" to standard error
//   test_helper sleep MS           sleeps MS milliseconds, then exits 0
//   test_helper spawn-sleep MS     starts `test_helper sleep MS` and sleeps MS itself (a process tree)
//   test_helper spawn-exit MS      starts `test_helper sleep MS` (holding the output pipe) and exits at once
//   test_helper flood BYTES        writes BYTES bytes of 'x' to standard output
//   test_helper cwd                prints the working directory
//   test_helper service NAME       runs as the service NAME until the SCM stops it
//   test_helper control NAME CODE  sends control CODE to the service NAME (what `sc control NAME CODE` does);
//                                  exits 0 when the service took it, else with the Win32 error code
//   test_helper message FILE ID T  prints message ID of FILE's message table with %1 = T, as Event Viewer would
#include <windows.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

SERVICE_STATUS_HANDLE statusHandle = nullptr;
SERVICE_STATUS status{};
HANDLE stopEvent = nullptr;

void report(DWORD state) {
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
  ::SetServiceStatus(statusHandle, &status);
}

DWORD WINAPI control(DWORD code, DWORD, void*, void*) {
  if (code == SERVICE_CONTROL_STOP) {
    report(SERVICE_STOP_PENDING);
    ::SetEvent(stopEvent);
  }
  return NO_ERROR;
}

void WINAPI serviceMain(DWORD, wchar_t** argv) {
  statusHandle = ::RegisterServiceCtrlHandlerExW(argv[0], control, nullptr);
  if (statusHandle == nullptr) return;
  stopEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  report(SERVICE_RUNNING);
  ::WaitForSingleObject(stopEvent, INFINITE);
  report(SERVICE_STOPPED);
}

int runService(const wchar_t* name) {
  std::wstring serviceName(name);
  SERVICE_TABLE_ENTRYW table[] = {{serviceName.data(), serviceMain}, {nullptr, nullptr}};
  return ::StartServiceCtrlDispatcherW(table) ? 0 : 3;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  if (argc < 2) return 2;
  const std::wstring mode = argv[1];
  if (mode == L"args") {
    for (int i = 2; i < argc; ++i) {
      const int size = ::WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, nullptr, 0, nullptr, nullptr);
      std::string utf8(size > 0 ? size - 1 : 0, '\0');
      if (size > 1) ::WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, utf8.data(), size, nullptr, nullptr);
      std::printf("<%s>\n", utf8.c_str());
    }
    return 0;
  }
  if (argc < 3 && mode != L"cwd") return 2;
  if (mode == L"exit") return std::wcstol(argv[2], nullptr, 10);
  if (mode == L"out") {
    std::printf("%ls", argv[2]);
    std::fflush(stdout);
    std::fprintf(stderr, "err");
    return 0;
  }
  if (mode == L"sleep") {
    ::Sleep(static_cast<DWORD>(std::wcstol(argv[2], nullptr, 10)));
    return 0;
  }
  if (mode == L"spawn-sleep" || mode == L"spawn-exit") {
    std::wstring line = L"\"" + std::wstring(argv[0]) + L"\" sleep " + argv[2];
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION child{};
    if (!::CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup, &child)) return 4;
    ::CloseHandle(child.hThread);
    std::printf("child %lu\n", static_cast<unsigned long>(child.dwProcessId));
    std::fflush(stdout);
    if (mode == L"spawn-exit") return 0;
    ::Sleep(static_cast<DWORD>(std::wcstol(argv[2], nullptr, 10)));
    return 0;
  }
  if (mode == L"flood") {
    const long total = std::wcstol(argv[2], nullptr, 10);
    std::vector<char> chunk(64 * 1024, 'x');
    for (long done = 0; done < total;) {
      const long n = std::min<long>(static_cast<long>(chunk.size()), total - done);
      std::fwrite(chunk.data(), 1, static_cast<std::size_t>(n), stdout);
      done += n;
    }
    return 0;
  }
  if (mode == L"cwd") {
    wchar_t dir[MAX_PATH] = {};
    ::GetCurrentDirectoryW(MAX_PATH, dir);
    std::printf("%ls", dir);
    return 0;
  }
  if (mode == L"service") return runService(argv[2]);
  if (mode == L"control" && argc >= 4) {
    SC_HANDLE manager = ::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
    SC_HANDLE service = manager ? ::OpenServiceW(manager, argv[2], SERVICE_USER_DEFINED_CONTROL | SERVICE_INTERROGATE |
                                                                       SERVICE_PAUSE_CONTINUE | SERVICE_STOP)
                                : nullptr;
    SERVICE_STATUS status{};
    const BOOL sent = service && ::ControlService(service, std::wcstoul(argv[3], nullptr, 10), &status);
    const DWORD error = sent ? 0 : ::GetLastError();
    if (service) ::CloseServiceHandle(service);
    if (manager) ::CloseServiceHandle(manager);
    std::printf("%lu\n", static_cast<unsigned long>(error));
    return static_cast<int>(error);
  }
  if (mode == L"message" && argc >= 5) {
    HMODULE file = ::LoadLibraryExW(argv[2], nullptr, LOAD_LIBRARY_AS_DATAFILE);
    if (file == nullptr) return 5;
    const DWORD_PTR inserts[] = {reinterpret_cast<DWORD_PTR>(argv[4])};
    wchar_t text[2048] = {};
    const DWORD n = ::FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, file,
                                     static_cast<DWORD>(std::wcstoul(argv[3], nullptr, 10)), 0, text, 2048,
                                     reinterpret_cast<va_list*>(const_cast<DWORD_PTR*>(inserts)));
    if (n == 0) return 6;
    const int size = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
    std::string utf8(size > 0 ? size - 1 : 0, '\0');
    if (size > 1) ::WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8.data(), size, nullptr, nullptr);
    std::printf("%s", utf8.c_str());
    return 0;
  }
  return 2;
}
