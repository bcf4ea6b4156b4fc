#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace remediator::platform {

/// Why an expected operation failed. Expected failures (a missing key, a denied permission, a server that does
/// not answer) are values of this type, not exceptions.
enum class ErrorCode {
  kNotFound,          ///< the key, value, file, product or service does not exist
  kNotSupported,      ///< this platform has no such thing (e.g. a registry on Linux)
  kPermissionDenied,  ///< the OS refused the operation
  kInvalidArgument,   ///< the caller passed something malformed
  kInvalidData,       ///< stored or received data is malformed
  kBusy,              ///< locked or in use by someone else
  kTimeout,           ///< the operation did not finish in time
  kUnavailable,       ///< a server or resource could not be reached
  kIo,                ///< any other I/O failure
  kFailed,            ///< the operation ran and reported failure
};

/// Short stable name of an error code, as used in audit records ("not_found").
const char* errorCodeName(ErrorCode code);

/// An error: a code for the caller to branch on and a message for a person to read.
struct Error {
  ErrorCode code = ErrorCode::kFailed;
  std::string message;

  bool operator==(const Error&) const = default;
};

/// Either a value or an Error. The model is osquery's Expected: cheap to return, explicit to check.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error error) : data_(std::move(error)) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(data_); }
  const T& value() const& { assert(ok()); return std::get<0>(data_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(data_); }

  /// The value, or `fallback` when this holds an error.
  T valueOr(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> data_;
};

/// Result of an operation that returns nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

/// Builds an Error in one expression: `return fail(ErrorCode::kNotFound, "no value " + name);`.
inline Error fail(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace remediator::platform
