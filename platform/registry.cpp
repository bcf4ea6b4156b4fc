#include "platform/registry.h"

namespace remediator::platform {

std::string registryValueText(const RegistryValue& value) {
  if (const auto* sz = std::get_if<RegSz>(&value)) return sz->value;
  if (const auto* expand = std::get_if<RegExpandSz>(&value)) return expand->value;
  if (const auto* dword = std::get_if<RegDword>(&value)) return std::to_string(dword->value);
  if (const auto* qword = std::get_if<RegQword>(&value)) return std::to_string(qword->value);
  return {};
}

}  // namespace remediator::platform
