#include "platform/os_info.h"

namespace remediator::platform {

std::string OsIdentity::describe() const {
  std::string buildText = build;
  if (!revision.empty()) buildText += (buildText.empty() ? "" : ".") + revision;
  std::string out;
  for (const std::string* part : {&product, &version, static_cast<const std::string*>(&buildText)}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ' ';
    out += *part;
  }
  return out;
}

}  // namespace remediator::platform
