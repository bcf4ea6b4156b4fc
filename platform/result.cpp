#include "platform/result.h"

namespace remediator::platform {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kNotSupported: return "not_supported";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kInvalidData: return "invalid_data";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kFailed: return "failed";
  }
  return "failed";
}

}  // namespace remediator::platform
