#pragma once

#include <windows.h>
#include <winsvc.h>

#include <memory>
#include <string>

#include "platform/result.h"
#include "platform/windows/win32_handle.h"

namespace remediator::platform {

/// An open handle of the service control manager or of one service.
using ScHandle = OwnedHandle<SC_HANDLE, &::CloseServiceHandle>;

/// Opens the service `name` (its short, key name) with `access`; a missing service is kNotFound.
Result<std::unique_ptr<ScHandle>> openService(const std::string& name, DWORD access);

}  // namespace remediator::platform
