#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "platform/result.h"

namespace remediator::platform {

/// The ErrorCode for an errno value: ENOENT is kNotFound, EACCES kPermissionDenied, EBUSY kBusy and so on;
/// anything without a closer match is kIo.
ErrorCode errorCodeFromErrno(int err);

/// "cannot <what> <subject>: <the system's text for err>", with the code errorCodeFromErrno gives.
Error errnoError(const std::string& what, const std::string& subject, int err);

/// Whether reading a file may pass through a symbolic link at its last path component.
enum class FollowLinks { kNo, kYes };

/// The whole content of the regular file `path`. With FollowLinks::kNo a link at `path` fails with
/// kInvalidArgument; anything but a regular file (a directory, a fifo) fails with kInvalidArgument too.
Result<std::string> readRegularFile(const std::filesystem::path& path, FollowLinks follow);

/// As readRegularFile, with `path` relative to the open directory `dirFd` (AT_FDCWD: the working directory);
/// errors name the file `shownAs`. A file of more than `maxBytes` fails with kInvalidData before it is read.
Result<std::string> readRegularFileAt(int dirFd, const std::filesystem::path& path, FollowLinks follow,
                                      const std::string& shownAs, std::uint64_t maxBytes = UINT64_MAX);

}  // namespace remediator::platform
