#include "service/report_publisher.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "platform/durable_file.h"
#include "platform/time_format.h"
#include "service/audit_log.h"
#include "service/scheduler.h"

namespace remediator::service {

namespace fs = std::filesystem;
using platform::ErrorCode;
using platform::fail;
using platform::Millis;
using platform::Result;
using platform::SysTime;

namespace {

constexpr std::size_t kMaxHeadBytes = 4096;
constexpr std::size_t kMaxStatusBytes = 1u << 20;

/// The seq of a canonical record line ({"seq":N,...}); nullopt for anything else.
std::optional<std::uint64_t> lineSeq(std::string_view line) {
  constexpr std::string_view prefix = "{\"seq\":";
  if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::uint64_t seq = 0;
  std::size_t i = prefix.size();
  const std::size_t start = i;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && i - start < 19; ++i) seq = seq * 10 + (line[i] - '0');
  if (i == start || i >= line.size() || line[i] != ',') return std::nullopt;
  return seq;
}

/// The seq of the first record of a log file, read without holding the file open for long.
std::optional<std::uint64_t> firstSeqOf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  for (int i = 0; i < 4 && std::getline(in, line); ++i) {
    if (auto seq = lineSeq(line)) return seq;
  }
  return std::nullopt;
}

/// The records after `after`, bounded.
struct Collected {
  std::string chunk;                 ///< the lines, each ending in '\n'
  std::uint64_t count = 0;
  std::uint64_t firstSeq = 0;
  std::string firstPrev;
  std::optional<AuditRecord> last;
  std::uint64_t localLastSeq = 0;    ///< the last seq of the local log
  std::optional<std::string> hashAtHead;  ///< the local record with seq == after, when present
  bool more = false;                 ///< records beyond the bound wait
};

Result<Collected> collect(const fs::path& live, std::uint64_t after, std::size_t maxRecords, std::size_t maxBytes) {
  Collected out;
  const std::vector<fs::path> files = auditLogFiles(live);
  std::size_t start = 0;
  for (std::size_t i = files.size(); i-- > 0;) {
    if (auto first = firstSeqOf(files[i]); first && *first <= after + 1) {
      start = i;
      break;
    }
  }
  for (std::size_t i = start; i < files.size(); ++i) {
    auto content = platform::readWholeFile(files[i]);
    if (!content) {
      if (content.error().code == ErrorCode::kNotFound) continue;
      return fail(content.error().code, "cannot read the audit log: " + content.error().message);
    }
    std::string_view text(*content);
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) break;  // a line still being written, or torn: not a record yet
      const std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      const auto seq = lineSeq(line);
      if (!seq) continue;  // a torn line: its recovery record is in the chain, the bytes are not
      out.localLastSeq = std::max(out.localLastSeq, *seq);
      if (*seq <= after) {
        if (*seq == after) {
          if (auto r = parseAuditRecord(std::string(line))) out.hashAtHead = r->hash;
        }
        continue;
      }
      if (out.more) continue;
      if (out.count >= maxRecords || (out.count > 0 && out.chunk.size() + line.size() + 1 > maxBytes)) {
        out.more = true;
        continue;
      }
      auto record = parseAuditRecord(std::string(line));
      if (!record) continue;
      if (out.count == 0) {
        out.firstSeq = record->seq;
        out.firstPrev = record->prev;
      }
      out.chunk.append(line);
      out.chunk += '\n';
      ++out.count;
      out.last = std::move(*record);
    }
  }
  return out;
}

bool validHost(const std::string& host) {
  if (host.empty() || host.size() > 63 || host == "." || host == "..") return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

/// The local status with what the report needs about the audit log added; a minimal one when the service has
/// not written its status yet. The "doctor" member is where the doctor's result goes (null until it exists).
std::string publishedStatus(const fs::path& statusFile, const std::string& host, const std::string& now,
                            const Collected& c, std::uint64_t headSeq, bool continues) {
  Poco::JSON::Object::Ptr root;
  if (auto text = platform::readWholeFile(statusFile); text && text->size() <= kMaxStatusBytes) {
    try {
      Poco::JSON::Parser parser;
      auto var = parser.parse(*text);
      if (var.type() == typeid(Poco::JSON::Object::Ptr)) root = var.extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
    }
  }
  if (root.isNull()) {
    root = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    root->set("host", host);
    root->set("fixers", Poco::JSON::Array());
  }
  if (!root->has("doctor")) root->set("doctor", Poco::Dynamic::Var());
  Poco::JSON::Object audit(Poco::JSON_PRESERVE_KEY_ORDER);
  audit.set("local_last_seq", c.localLastSeq);
  audit.set("published_seq", headSeq);
  audit.set("continues_head", continues);
  root->set("audit", audit);
  root->set("published", now);
  std::ostringstream out;
  root->stringify(out, 2);
  return out.str() + "\n";
}

}  // namespace

std::string reportChunkName(std::uint64_t firstSeq) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(firstSeq));
  return std::string(kReportChunkPrefix) + digits + kReportChunkSuffix;
}

std::optional<std::uint64_t> parseReportChunkName(const std::string& name) {
  const std::string_view prefix = kReportChunkPrefix;
  const std::string_view suffix = kReportChunkSuffix;
  if (name.size() != prefix.size() + 20 + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(prefix.size() + 20, suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  for (std::size_t i = prefix.size(); i < prefix.size() + 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    if (seq > (UINT64_MAX - 9) / 10) return std::nullopt;
    seq = seq * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return seq;
}

std::string formatReportHead(const ReportHead& head) {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("format", 1);
  o.set("host", head.host);
  o.set("seq", head.seq);
  o.set("hash", head.hash);
  o.set("chunk", head.chunk);
  o.set("time", head.time);
  std::ostringstream out;
  o.stringify(out);
  return out.str() + "\n";
}

Result<ReportHead> parseReportHeadFromBytes(std::string_view bytes) {
  if (bytes.size() > kMaxHeadBytes) {
    return fail(ErrorCode::kInvalidData, "larger than " + std::to_string(kMaxHeadBytes) + " bytes");
  }
  try {
    Poco::JSON::Parser parser;
    auto var = parser.parse(std::string(bytes));
    if (var.type() != typeid(Poco::JSON::Object::Ptr)) return fail(ErrorCode::kInvalidData, "not a JSON object");
    auto o = var.extract<Poco::JSON::Object::Ptr>();
    if (o->optValue<int>("format", 0) != 1) return fail(ErrorCode::kInvalidData, "not format 1");
    ReportHead head;
    const auto seq = o->get("seq");
    if (!seq.isInteger() || (seq.isSigned() && seq.convert<Poco::Int64>() < 0)) {
      return fail(ErrorCode::kInvalidData, "'seq' is not a non-negative integer");
    }
    head.seq = seq.convert<Poco::UInt64>();
    for (auto [key, target] : {std::pair{"hash", &head.hash}, std::pair{"chunk", &head.chunk},
                               std::pair{"time", &head.time}, std::pair{"host", &head.host}}) {
      const auto v = o->get(key);
      if (!v.isString()) return fail(ErrorCode::kInvalidData, std::string("'") + key + "' is not a string");
      *target = v.extract<std::string>();
    }
    if (head.hash.size() > 128 || head.chunk.size() > 128 || head.time.size() > 64 || head.host.size() > 256) {
      return fail(ErrorCode::kInvalidData, "a value is too long");
    }
    return head;
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidData, std::string("not JSON: ") + e.what());
  }
}

// --- ReportPublisher ---

ReportPublisher::ReportPublisher(PublisherOptions options, platform::FileSystem& files,
                                 const platform::TimeSource& time)
    : options_(std::move(options)), files_(files), time_(time) {}

bool ReportPublisher::due(std::uint64_t localLastSeq) const {
  const SysTime now = time_.now();
  if (retryAt_ && now < *retryAt_) return false;
  if (retryAt_) return true;
  if (!lastSuccess_) return true;
  return localLastSeq > publishedSeq_ || now >= *lastSuccess_ + options_.daily;
}

SysTime ReportPublisher::nextDeadline() const {
  if (retryAt_) return *retryAt_;
  if (!lastSuccess_) return time_.now();
  return *lastSuccess_ + options_.daily;
}

Result<PublishOutcome> ReportPublisher::publishOnce() {
  auto outcome = attempt();
  const SysTime now = time_.now();
  if (outcome) {
    failures_ = 0;
    retryAt_.reset();
    lastSuccess_ = now;
    publishedSeq_ = outcome->headSeq;
    return outcome;
  }
  ++failures_;
  const Millis wait = doublingBackoff(options_.backoffInitial, options_.backoffMax, failures_);
  // Spread the retries of a fleet whose share comes back at once: up to a quarter of the wait, per PC.
  const Millis spread = std::min(options_.splay, wait / 4);
  retryAt_ = now + wait + splayFor(options_.host, "report", spread, spread);
  return outcome;
}

Result<PublishOutcome> ReportPublisher::attempt() {
  if (!validHost(options_.host)) {
    return fail(ErrorCode::kInvalidArgument, "the computer name '" + options_.host + "' cannot name a report folder");
  }
  // The share's folder must be there already: it is never created, so a share that is offline (or a path
  // mistyped) is an error, not a folder made on the local disk.
  auto root = files_.status(options_.reportDir);
  if (!root || root->type != platform::FileType::kDirectory) {
    return fail(ErrorCode::kUnavailable, "the report folder " + options_.reportDir.string() + " is not reachable" +
                                             (root ? std::string(" (not a folder)") : ": " + root.error().message));
  }
  const fs::path dir = options_.reportDir / options_.host;
  auto mine = files_.status(dir);
  if (!mine) {
    if (mine.error().code != ErrorCode::kNotFound) return mine.error();
    if (auto made = files_.createDirectories(dir); !made) return made.error();
  } else if (mine->type != platform::FileType::kDirectory) {
    return fail(ErrorCode::kInvalidData, dir.string() + " is not a folder");
  }

  ReportHead head;
  if (auto text = files_.readFile(dir / kReportHeadFile); text) {
    auto parsed = parseReportHeadFromBytes(*text);
    if (!parsed) {
      return fail(ErrorCode::kInvalidData, (dir / kReportHeadFile).string() + ": " + parsed.error().message +
                                               "; not publishing until an administrator removes or restores it");
    }
    head = std::move(*parsed);
  } else if (text.error().code != ErrorCode::kNotFound) {
    return text.error();
  }

  auto c = collect(options_.auditLog, head.seq, std::max<std::size_t>(1, options_.maxRecordsPerPass),
                   options_.maxBytesPerPass);
  if (!c) return c.error();
  PublishOutcome outcome;
  outcome.continuesHead = head.seq == 0 || (c->hashAtHead ? *c->hashAtHead == head.hash : c->localLastSeq >= head.seq);
  if (c->count > 0 && head.seq > 0 && c->firstSeq == head.seq + 1 && c->firstPrev != head.hash) {
    outcome.continuesHead = false;
  }
  const std::string now = platform::formatUtc(time_.now());
  if (c->count > 0) {
    const std::string chunk = reportChunkName(c->firstSeq);
    if (auto w = files_.writeFileAtomic(dir / chunk, c->chunk); !w) return w.error();
    ReportHead next{c->last->seq, c->last->hash, chunk, now, options_.host};
    if (auto w = files_.writeFileAtomic(dir / kReportHeadFile, formatReportHead(next)); !w) return w.error();
    head = std::move(next);
  } else {
    // Nothing new: the head is written again with the time, so "last seen" moves on.
    head.time = now;
    head.host = options_.host;
    if (auto w = files_.writeFileAtomic(dir / kReportHeadFile, formatReportHead(head)); !w) return w.error();
  }
  if (auto w = files_.writeFileAtomic(dir / kReportStatusFile, publishedStatus(options_.statusFile, options_.host, now,
                                                                               *c, head.seq, outcome.continuesHead));
      !w) {
    return w.error();
  }
  outcome.records = c->count;
  outcome.headSeq = head.seq;
  outcome.caughtUp = !c->more;
  return outcome;
}

// --- BackgroundPublisher ---

BackgroundPublisher::BackgroundPublisher(PublisherOptions options, platform::FileSystem& files,
                                         const platform::TimeSource& time, LastSeqFn lastSeq, LogFn log)
    : publisher_(std::move(options), files, time), time_(time), lastSeq_(std::move(lastSeq)), log_(std::move(log)) {
  thread_ = std::thread([this] { loop(); });
}

BackgroundPublisher::~BackgroundPublisher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BackgroundPublisher::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void BackgroundPublisher::loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    poked_ = false;
    lock.unlock();
    bool again = false;
    if (publisher_.due(lastSeq_())) {
      auto r = publisher_.publishOnce();
      if (!r) {
        log_("report: not published (attempt " + std::to_string(publisher_.consecutiveFailures()) +
             "), retrying later: " + r.error().message);
      } else {
        again = !r->caughtUp;
        if (!r->continuesHead) {
          log_("report: the local audit log does not continue what was published before (seq " +
               std::to_string(r->headSeq) + "): it was reset or rewritten");
        }
      }
    }
    lock.lock();
    if (stop_) break;
    if (again) continue;
    const auto wait = std::chrono::duration_cast<Millis>(publisher_.nextDeadline() - time_.now());
    wake_.wait_for(lock, std::clamp(wait, Millis(1000), Millis(std::chrono::hours(1))),
                   [this] { return stop_ || poked_; });
  }
}

}  // namespace remediator::service
