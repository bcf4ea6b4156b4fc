#include "platform/memory/memory_process_runner.h"

#include <algorithm>

namespace remediator::platform {
namespace {

std::string_view fileName(std::string_view program) {
  const auto slash = program.find_last_of("/\\");
  return slash == std::string_view::npos ? program : program.substr(slash + 1);
}

bool names(const std::string& script, const std::string& program) {
  return equalsIgnoreCase(script, program) || equalsIgnoreCase(script, fileName(program));
}

}  // namespace

Result<ProcessResult> MemoryProcessRunner::run(const ProcessRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    auto found = handlers_.find(request.program);
    if (found == handlers_.end()) found = handlers_.find(fileName(request.program));
    if (found != handlers_.end()) handler = found->second;
  }
  if (!handler) {
    return fail(ErrorCode::kNotFound, "program '" + request.program +
                                          "' does not exist (no reply scripted in MemoryProcessRunner)");
  }
  // Called without the lock held: a handler may run further requests or inspect this runner.
  return handler(request);
}

void MemoryProcessRunner::onRun(const std::string& program, Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_.insert_or_assign(program, std::move(handler));
}

void MemoryProcessRunner::reply(const std::string& program, int exitCode, std::string output) {
  ProcessResult result;
  result.exitCode = exitCode;
  result.output = std::move(output);
  onRun(program, [result](const ProcessRequest&) -> Result<ProcessResult> { return result; });
}

std::vector<ProcessRequest> MemoryProcessRunner::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

int MemoryProcessRunner::runCount(const std::string& program) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(
      std::count_if(requests_.begin(), requests_.end(),
                    [&](const ProcessRequest& request) { return names(program, request.program); }));
}

}  // namespace remediator::platform
