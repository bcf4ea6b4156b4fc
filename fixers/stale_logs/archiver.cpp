#include "fixers/stale_logs/archiver.h"

#include <algorithm>

#include "platform/time_format.h"

namespace remediator::fixers::stale_logs {
namespace {

constexpr std::string_view kPrefix = "logs-";
constexpr std::string_view kSuffix = ".zip";
constexpr std::string_view kPartialSuffix = ".zip.partial";

bool hasAffixes(const std::string& name, std::string_view suffix) {
  return name.size() > kPrefix.size() + suffix.size() && name.starts_with(kPrefix) && name.ends_with(suffix);
}

}  // namespace

std::string archiveFileName(platform::SysTime time) {
  // The audit log's time format without '-' and ':', which Windows does not allow in file names.
  std::string stamp = platform::formatUtc(time);
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  return std::string(kPrefix) + stamp + std::string(kSuffix);
}

PruneOutcome pruneArchives(platform::FileSystem& files, const std::filesystem::path& dir, int keep,
                           platform::Millis maxAge, platform::SysTime now) {
  PruneOutcome outcome;
  auto listed = files.list(dir);
  if (!listed) {
    outcome.problems.push_back("cannot list " + dir.string() + ": " + listed.error().message);
    return outcome;
  }
  std::vector<platform::DirEntry> archives;
  std::vector<std::string> doomed;
  for (auto& entry : *listed) {
    if (entry.info.type != platform::FileType::kFile) continue;
    if (hasAffixes(entry.name, kSuffix)) {
      archives.push_back(std::move(entry));
    } else if (hasAffixes(entry.name, kPartialSuffix)) {
      doomed.push_back(entry.name);  // left by an archive that never finished
    }
  }
  std::sort(archives.begin(), archives.end(), [](const auto& a, const auto& b) {
    if (a.info.modified != b.info.modified) return a.info.modified > b.info.modified;
    return a.name > b.name;
  });
  const std::size_t kept = static_cast<std::size_t>(std::max(keep, 1));
  for (std::size_t i = 1; i < archives.size(); ++i) {
    const bool tooMany = i >= kept;
    const bool tooOld = maxAge.count() > 0 && now - archives[i].info.modified > maxAge;
    if (tooMany || tooOld) doomed.push_back(archives[i].name);
  }
  for (const auto& name : doomed) {
    auto removed = files.removeFile(dir / name);
    if (removed || removed.error().code == platform::ErrorCode::kNotFound) {
      ++outcome.removed;
    } else {
      outcome.problems.push_back((dir / name).string() + ": " + removed.error().message);
    }
  }
  return outcome;
}

}  // namespace remediator::fixers::stale_logs
