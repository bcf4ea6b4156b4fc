#include "platform/memory/memory_system_clock.h"

namespace remediator::platform {

MemorySystemClock::MemorySystemClock(const TimeSource& time, Millis offset) : time_(time), offset_(offset) {}

SysTime MemorySystemClock::now() const {
  std::lock_guard lock(mutex_);
  return time_.now() + offset_;
}

Result<void> MemorySystemClock::canCorrect() const {
  std::lock_guard lock(mutex_);
  if (refusal_) return *refusal_;
  return {};
}

Result<ClockCorrection> MemorySystemClock::correct(Millis offset, ClockStep step) {
  std::lock_guard lock(mutex_);
  if (refusal_) return *refusal_;
  if (step == ClockStep::kResyncOnly && kind_ == ClockCorrection::kStepped) {
    return fail(ErrorCode::kPermissionDenied, "the time service did not correct the clock and a step is not allowed");
  }
  offset_ += offset;
  corrections_.push_back(offset);
  return kind_;
}

void MemorySystemClock::setOffset(Millis offset) {
  std::lock_guard lock(mutex_);
  offset_ = offset;
}

Millis MemorySystemClock::offset() const {
  std::lock_guard lock(mutex_);
  return offset_;
}

void MemorySystemClock::refuse(Error error) {
  std::lock_guard lock(mutex_);
  refusal_ = std::move(error);
}

void MemorySystemClock::allow() {
  std::lock_guard lock(mutex_);
  refusal_.reset();
}

void MemorySystemClock::setCorrectionKind(ClockCorrection kind) {
  std::lock_guard lock(mutex_);
  kind_ = kind;
}

std::vector<Millis> MemorySystemClock::corrections() const {
  std::lock_guard lock(mutex_);
  return corrections_;
}

}  // namespace remediator::platform
