#include "service/audit_log.h"

#include <Poco/Checksum.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/UTF8Encoding.h>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <system_error>

#include "platform/sha256.h"
#include "platform/time_format.h"

namespace remediator::service {

using platform::formatUtc;
using platform::parseUtc;
namespace {

namespace fs = std::filesystem;
using platform::ErrorCode;
using platform::fail;
using platform::Result;

// --- canonical JSON ---

constexpr const char* kHexDigits = "0123456789abcdef";

/// Length of the valid multi-byte UTF-8 sequence starting at s[i], or 0 when the bytes there are not one (Poco's
/// check refuses overlong forms, surrogates and code points past U+10FFFF).
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  static const Poco::UTF8Encoding utf8;
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data() + i);
  const int available = static_cast<int>(std::min<std::size_t>(s.size() - i, 4));
  const int length = utf8.sequenceLength(bytes, available);
  if (length < 2 || length > available || !Poco::UTF8Encoding::isLegal(bytes, length)) return 0;
  return static_cast<std::size_t>(length);
}

/// Appends `s` as a JSON string. Only quote, backslash and control characters are escaped, so the canonical form
/// of a text is unique; bytes that are not UTF-8 become U+FFFD, so every line parses back to what was hashed.
void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (std::size_t n = utf8SequenceLength(s, i); n > 0) {
        out.append(s.data() + i, n);
        i += n;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHexDigits[c >> 4];
          out += kHexDigits[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void appendKey(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}

void appendStringField(std::string& out, const char* key, std::string_view value) {
  appendKey(out, key);
  appendJsonString(out, value);
  out += ',';
}

/// A State as a JSON object; std::map already orders the keys, which makes the form canonical.
void appendStateField(std::string& out, const char* key, const State& state) {
  appendKey(out, key);
  out += '{';
  bool first = true;
  for (const auto& [name, value] : state) {
    if (!first) out += ',';
    first = false;
    appendJsonString(out, name);
    out += ':';
    appendJsonString(out, value);
  }
  out += "},";
}

std::string sha256Hex(std::string_view data) { return platform::sha256Hex(data); }

/// The log line for a record whose canonical form is `canonical`: the same object with "hash" added last.
std::string lineWithHash(const std::string& canonical, const std::string& hash) {
  std::string line;
  line.reserve(canonical.size() + hash.size() + 10);
  line.append(canonical, 0, canonical.size() - 1);
  line += ",\"hash\":\"";
  line += hash;
  line += "\"}";
  return line;
}

// --- parsing ---

Result<std::string> stringField(const Poco::JSON::Object& object, const char* key) {
  if (!object.has(key)) return fail(ErrorCode::kInvalidData, std::string("missing key '") + key + "'");
  Poco::Dynamic::Var value = object.get(key);
  if (!value.isString()) return fail(ErrorCode::kInvalidData, std::string("key '") + key + "' is not a string");
  return value.extract<std::string>();
}

Result<State> stateField(const Poco::JSON::Object& object, const char* key) {
  Poco::JSON::Object::Ptr inner = object.has(key) ? object.getObject(key) : nullptr;
  if (inner.isNull()) return fail(ErrorCode::kInvalidData, std::string("key '") + key + "' is missing or not an object");
  State state;
  for (const auto& [name, value] : *inner) {
    if (!value.isString()) {
      return fail(ErrorCode::kInvalidData, std::string("key '") + key + "." + name + "' is not a string");
    }
    state.emplace(name, value.extract<std::string>());
  }
  return state;
}

// --- the state file ---

/// Last sequence number and hash the writer knew to be on disk.
struct StateMark {
  std::uint64_t seq = 0;
  std::string hash;
};

constexpr std::string_view kStateMagic = "remediator-audit-state 1 seq=";

std::string crc32Hex(std::string_view text) {
  Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
  crc.update(text.data(), static_cast<unsigned>(text.size()));
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(crc.checksum()));
  return hex;
}

/// One fixed-length line, so that rewriting it in place replaces every byte; the CRC tells a line torn by a crash
/// (the file is rewritten without a flush) from a real one.
std::string formatState(const StateMark& mark) {
  char seq[24];
  std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(mark.seq));
  std::string body = std::string(kStateMagic) + seq + " hash=" + mark.hash;
  return body + " crc32=" + crc32Hex(body) + "\n";
}

Result<StateMark> parseState(const std::string& content) {
  // magic, 20 digits, " hash=", 64 hex, " crc32=", 8 hex, newline
  const std::size_t bodySize = kStateMagic.size() + 20 + 6 + 64;
  const auto bad = [] { return fail(ErrorCode::kInvalidData, "not a state line, or one torn by a crash"); };
  if (content.size() != bodySize + 7 + 8 + 1 || content.compare(0, kStateMagic.size(), kStateMagic) != 0) {
    return bad();
  }
  const std::string_view body(content.data(), bodySize);
  if (content.compare(bodySize, 7, " crc32=") != 0 || content.compare(bodySize + 7, 8, crc32Hex(body)) != 0) {
    return bad();
  }
  StateMark mark;
  for (std::size_t i = kStateMagic.size(); i < kStateMagic.size() + 20; ++i) {
    if (content[i] < '0' || content[i] > '9') return bad();
    mark.seq = mark.seq * 10 + static_cast<std::uint64_t>(content[i] - '0');
  }
  mark.hash = content.substr(kStateMagic.size() + 26, 64);
  return mark;
}

// --- files and lines ---

fs::path rotatedPath(const fs::path& live, int index) {
  return live.parent_path() / (live.stem().string() + "." + std::to_string(index) + live.extension().string());
}

/// Indices of the rotated files present, ascending.
std::vector<int> rotatedIndices(const fs::path& live) {
  const std::string prefix = live.stem().string() + ".";
  const std::string suffix = live.extension().string();
  std::vector<int> indices;
  std::error_code ec;
  const fs::path dir = live.parent_path().empty() ? fs::path(".") : live.parent_path();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    indices.push_back(std::stoi(digits));
  }
  std::sort(indices.begin(), indices.end());
  return indices;
}

struct LogLine {
  std::size_t number = 0;   ///< 1-based
  std::string_view text;    ///< without the newline
  bool terminated = false;  ///< ended by a newline
};

std::vector<LogLine> splitLines(const std::string& content) {
  std::vector<LogLine> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t end = content.find('\n', start);
    LogLine line;
    line.number = lines.size() + 1;
    if (end == std::string::npos) {
      line.text = std::string_view(content).substr(start);
      lines.push_back(line);
      break;
    }
    line.text = std::string_view(content).substr(start, end - start);
    line.terminated = true;
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

/// A line no record could be read from: a crash cut it short, or it was damaged.
struct TornLine {
  std::size_t number = 0;
  std::size_t bytes = 0;
  std::string sha256;
  bool terminated = false;
};

TornLine describeTorn(const LogLine& line) {
  return TornLine{line.number, line.text.size(), sha256Hex(line.text), line.terminated};
}

/// A line counts as a record only when it is complete: an unterminated last line was never acknowledged.
Result<AuditRecord> recordOf(const LogLine& line) {
  if (!line.terminated) return fail(ErrorCode::kInvalidData, "line has no end (torn by a crash)");
  return parseAuditRecord(std::string(line.text));
}

std::string where(const fs::path& file, std::size_t line) {
  return file.string() + " line " + std::to_string(line);
}

std::string where(const fs::path& file, std::size_t line, std::uint64_t seq) {
  return where(file, line) + " (seq " + std::to_string(seq) + ")";
}

/// What open needs to go on: the last record on disk and whether the live file ends in a torn line.
struct Tail {
  std::optional<AuditRecord> last;
  std::optional<TornLine> torn;
};

Result<Tail> scanTail(const fs::path& live) {
  Tail tail;
  std::vector<fs::path> files = auditLogFiles(live);
  for (auto file = files.rbegin(); file != files.rend() && !tail.last; ++file) {
    auto content = platform::readWholeFile(*file);
    if (!content) {
      if (content.error().code == ErrorCode::kNotFound) continue;
      return content.error();
    }
    const std::vector<LogLine> lines = splitLines(*content);
    for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
      auto record = recordOf(*line);
      if (record) {
        tail.last = std::move(*record);
        break;
      }
      if (*file == live && line == lines.rbegin()) tail.torn = describeTorn(*line);
    }
  }
  return tail;
}

AuditEntry serviceEntry(const char* event, std::string outcome, std::string message, State details) {
  AuditEntry entry;
  entry.fixer = "service";
  entry.event = event;
  entry.outcome = std::move(outcome);
  entry.message = std::move(message);
  entry.details = std::move(details);
  return entry;
}

}  // namespace

// --- records ---

std::string canonicalAuditForm(const AuditRecord& record) {
  const AuditEntry& e = record.entry;
  std::string out;
  out.reserve(256 + e.message.size() + 48 * (e.observed.size() + e.desired.size() + e.details.size()));
  out += "{\"seq\":";
  out += std::to_string(record.seq);
  out += ',';
  appendStringField(out, "time", record.time);
  appendStringField(out, "host", record.host);
  appendStringField(out, "fixer", e.fixer);
  appendStringField(out, "event", e.event);
  appendStringField(out, "mode", e.mode);
  appendStateField(out, "observed", e.observed);
  appendStateField(out, "desired", e.desired);
  appendStringField(out, "outcome", e.outcome);
  appendStringField(out, "message", e.message);
  appendStateField(out, "details", e.details);
  appendStringField(out, "policy_sha256", record.policySha256);
  appendKey(out, "prev");
  appendJsonString(out, record.prev);
  out += '}';
  return out;
}

std::string auditSha256Hex(std::string_view data) { return sha256Hex(data); }

std::string auditSha256Hex(std::string_view a, std::string_view b) { return platform::sha256Hex(a, b); }

std::string auditRecordJson(const AuditRecord& record) {
  return lineWithHash(canonicalAuditForm(record), record.hash);
}

Result<AuditRecord> parseAuditRecord(const std::string& line) {
  Poco::JSON::Object::Ptr object;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var root = parser.parse(line);
    if (root.type() != typeid(Poco::JSON::Object::Ptr)) return fail(ErrorCode::kInvalidData, "not a JSON object");
    object = root.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return fail(ErrorCode::kInvalidData, "not JSON: " + e.displayText());
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidData, std::string("not JSON: ") + e.what());
  }

  AuditRecord record;
  if (!object->has("seq")) return fail(ErrorCode::kInvalidData, "missing key 'seq'");
  const Poco::Dynamic::Var seq = object->get("seq");
  if (!seq.isInteger() || (seq.isSigned() && seq.convert<Poco::Int64>() < 0)) {
    return fail(ErrorCode::kInvalidData, "key 'seq' is not a non-negative integer");
  }
  record.seq = seq.convert<Poco::UInt64>();

  struct StringKey {
    const char* key;
    std::string* target;
  };
  AuditEntry& e = record.entry;
  const StringKey strings[] = {{"time", &record.time},    {"host", &record.host},       {"fixer", &e.fixer},
                               {"event", &e.event},       {"mode", &e.mode},            {"outcome", &e.outcome},
                               {"message", &e.message},   {"policy_sha256", &record.policySha256},
                               {"prev", &record.prev},    {"hash", &record.hash}};
  for (const auto& [key, target] : strings) {
    auto value = stringField(*object, key);
    if (!value) return value.error();
    *target = std::move(*value);
  }
  const std::pair<const char*, State*> states[] = {
      {"observed", &e.observed}, {"desired", &e.desired}, {"details", &e.details}};
  for (const auto& [key, target] : states) {
    auto value = stateField(*object, key);
    if (!value) return value.error();
    *target = std::move(*value);
  }
  return record;
}

std::vector<fs::path> auditLogFiles(const fs::path& path) {
  std::vector<fs::path> files;
  const std::vector<int> indices = rotatedIndices(path);
  for (auto index = indices.rbegin(); index != indices.rend(); ++index) files.push_back(rotatedPath(path, *index));
  files.push_back(path);
  return files;
}

// --- JsonlAuditLog ---

JsonlAuditLog::JsonlAuditLog(AuditLogOptions options, const platform::TimeSource& time)
    : options_(std::move(options)), time_(time) {}

JsonlAuditLog::~JsonlAuditLog() = default;

Result<std::unique_ptr<JsonlAuditLog>> JsonlAuditLog::open(AuditLogOptions options,
                                                           const platform::TimeSource& time) {
  if (options.path.empty()) return fail(ErrorCode::kInvalidArgument, "audit log: no path given");
  std::error_code ec;
  if (options.path.has_parent_path()) fs::create_directories(options.path.parent_path(), ec);
  if (ec) {
    return fail(ErrorCode::kIo, "cannot create the audit log folder " + options.path.parent_path().string() + ": " +
                                    ec.message());
  }
  std::unique_ptr<JsonlAuditLog> log(new JsonlAuditLog(std::move(options), time));
  std::lock_guard lock(log->mutex_);
  if (auto recovered = log->recoverTail(); !recovered) return recovered.error();
  return log;
}

void JsonlAuditLog::setPolicyHash(const std::string& sha256) {
  std::lock_guard lock(mutex_);
  policySha256_ = sha256;
}

std::uint64_t JsonlAuditLog::lastSeq() const {
  std::lock_guard lock(mutex_);
  return lastSeq_;
}

Result<AuditRecord> JsonlAuditLog::append(const AuditEntry& entry) {
  std::lock_guard lock(mutex_);
  if (tailTorn_) {
    if (auto recovered = recoverTail(); !recovered) return recovered.error();
  }
  return appendLocked(entry, true, "");
}

Result<void> JsonlAuditLog::recoverTail() {
  auto tail = scanTail(options_.path);
  if (!tail) return tail.error();
  lastSeq_ = tail->last ? tail->last->seq : 0;
  lastHash_ = tail->last ? tail->last->hash : "";
  tailTorn_ = false;

  // The state file is only ever written after the log was synced, so a mark beyond the log's last record (or on a
  // different record with the same seq) means records that were durable have gone.
  std::optional<StateMark> mark;
  if (!options_.stateFile.empty()) {
    if (auto content = platform::readWholeFile(options_.stateFile); content) {
      if (auto parsed = parseState(*content); parsed) mark = *parsed;
    }
  }
  const std::uint64_t logSeq = lastSeq_;
  const std::string logHash = lastHash_;

  if (tail->torn) {
    const TornLine& torn = *tail->torn;
    std::string message = "Line " + std::to_string(torn.number) + " of " + options_.path.filename().string() + " (" +
                          std::to_string(torn.bytes) +
                          " bytes) is incomplete, cut short by a crash or a failed write; the log goes on after it.";
    State details{{"line", std::to_string(torn.number)},
                  {"bytes", std::to_string(torn.bytes)},
                  {"sha256", torn.sha256}};
    auto noted = appendLocked(serviceEntry(kAuditEventLogRecovered, "recovered", std::move(message),
                                           std::move(details)),
                              false, torn.terminated ? "" : "\n");
    if (!noted) return noted.error();
  }
  if (mark && (mark->seq > logSeq || (mark->seq == logSeq && mark->hash != logHash))) {
    std::string message = mark->seq > logSeq
                              ? "The state file says the log reached seq " + std::to_string(mark->seq) +
                                    " but it ends at seq " + std::to_string(logSeq) + ": records were cut from its tail."
                              : "The last record (seq " + std::to_string(logSeq) +
                                    ") is not the one the state file names: it was replaced.";
    State details{{"state_seq", std::to_string(mark->seq)},
                  {"state_hash", mark->hash},
                  {"log_seq", std::to_string(logSeq)},
                  {"log_hash", logHash}};
    auto noted = appendLocked(serviceEntry(kAuditEventLogTruncated, "records_lost", std::move(message),
                                           std::move(details)),
                              false, "");
    if (!noted) return noted.error();
  }
  if (!file_) {
    auto file = platform::AppendOnlyFile::open(options_.path);
    if (!file) return file.error();
    file_ = std::move(*file);
  }
  if (lastSeq_ > 0) writeState();
  return {};
}

Result<AuditRecord> JsonlAuditLog::appendLocked(const AuditEntry& entry, bool mayRotate, const std::string& prefix) {
  AuditRecord record;
  record.seq = lastSeq_ + 1;
  record.time = formatUtc(time_.now());
  record.host = options_.host;
  record.entry = entry;
  record.policySha256 = policySha256_;
  record.prev = lastHash_;
  const std::string canonical = canonicalAuditForm(record);
  record.hash = sha256Hex(canonical);
  std::string line = prefix;
  line += lineWithHash(canonical, record.hash);
  line += '\n';

  if (mayRotate && file_ && file_->size() > 0 && file_->size() + line.size() > options_.maxBytes) {
    auto rotated = rotate();
    if (rotated) {
      rotationFailed_ = false;
    } else if (!rotationFailed_) {
      // Keep every record: say once that the live file grows past its limit, then write this one after it.
      rotationFailed_ = true;
      auto noted = appendLocked(
          serviceEntry(kAuditEventRotationFailed, "failed",
                       "The audit log could not be rotated; records go on in the live file: " + rotated.error().message,
                       {}),
          false, "");
      if (!noted) return noted.error();
      return appendLocked(entry, false, prefix);
    }
  }
  if (!file_) {
    auto file = platform::AppendOnlyFile::open(options_.path);
    if (!file) return file.error();
    file_ = std::move(*file);
  }

  const std::uint64_t before = file_->size();
  auto written = file_->append(line, true);
  const std::uint64_t landed = file_->size() - before;
  if (landed == line.size()) {
    // The bytes are in the file, synced or not: the next record must follow this one.
    lastSeq_ = record.seq;
    lastHash_ = record.hash;
    if (written) writeState();
  } else if (landed > 0) {
    tailTorn_ = true;
  }
  if (!written) {
    return fail(written.error().code,
                "audit record seq " + std::to_string(record.seq) + " is not durable: " + written.error().message);
  }
  return record;
}

Result<void> JsonlAuditLog::rotate() {
  const fs::path& live = options_.path;
  const int keep = std::max(0, options_.keepFiles);
  file_.reset();
  std::error_code ec;
  const std::vector<int> indices = rotatedIndices(live);
  for (auto index = indices.rbegin(); index != indices.rend(); ++index) {
    const fs::path from = rotatedPath(live, *index);
    if (*index >= keep) {
      fs::remove(from, ec);
    } else {
      fs::rename(from, rotatedPath(live, *index + 1), ec);
    }
    if (ec) return fail(ErrorCode::kIo, "cannot rotate " + from.string() + ": " + ec.message());
  }
  if (keep == 0) {
    fs::remove(live, ec);
  } else {
    fs::rename(live, rotatedPath(live, 1), ec);
  }
  if (ec) return fail(ErrorCode::kIo, "cannot rotate " + live.string() + ": " + ec.message());
  return platform::syncDirectory(live.parent_path().empty() ? fs::path(".") : live.parent_path());
}

void JsonlAuditLog::writeState() {
  // The state file is rewritten in place without a flush: a stale one only under-reports the tail, and a torn
  // one fails its CRC. Its failures are not the record's: the record is durable either way.
  if (options_.stateFile.empty()) return;
  if (!state_) {
    auto file = platform::RewritableFile::open(options_.stateFile);
    if (!file) return;
    state_ = std::move(*file);
  }
  if (!state_->rewrite(formatState({lastSeq_, lastHash_}), false)) state_.reset();
}

// --- reading and verifying ---

namespace {

/// Calls onLines(file, lines) for every file of the log that exists, oldest first; a file that cannot be read
/// (other than a missing one) goes to onError.
template <typename OnLines, typename OnError>
void forEachLogFile(const fs::path& path, OnLines onLines, OnError onError) {
  const std::vector<fs::path> files = auditLogFiles(path);
  for (const fs::path& file : files) {
    auto content = platform::readWholeFile(file);
    if (!content) {
      if (content.error().code != ErrorCode::kNotFound) onError(content.error().message);
      continue;
    }
    onLines(file, splitLines(*content));
  }
}

}  // namespace

AuditReadResult readAuditLog(const fs::path& path) {
  AuditReadResult result;
  const auto onLines = [&](const fs::path& file, const std::vector<LogLine>& lines) {
    for (const LogLine& line : lines) {
      auto record = recordOf(line);
      if (record) {
        result.records.push_back(std::move(*record));
      } else {
        result.problems.push_back(where(file, line.number) + ": skipped, " + std::to_string(line.text.size()) +
                                  " bytes that are not a record (" + record.error().message + ")");
      }
    }
  };
  forEachLogFile(path, onLines, [&](const std::string& error) { result.problems.push_back(error); });
  return result;
}

namespace {

/// Walks the chain line by line and stops at the first problem.
class ChainVerifier {
 public:
  explicit ChainVerifier(std::optional<StateMark> mark) : mark_(std::move(mark)) {}

  void startFile(const fs::path& file) {
    // A crash can only tear the live file's last line, and its recovery record follows in the same file.
    if (torn_) failUnaccounted();
    file_ = file;
  }

  void line(const LogLine& line) {
    if (!result_.intact) return;
    auto parsed = recordOf(line);
    if (!parsed) {
      if (torn_) return failUnaccounted();
      torn_ = describeTorn(line);
      tornFile_ = file_;
      tornError_ = parsed.error().message;
      return;
    }
    record(*parsed, line);
  }

  AuditVerification finish(const fs::path& live, const std::optional<fs::path>& stateFile) {
    if (result_.intact && torn_) {
      result_.notes.push_back(where(tornFile_, torn_->number) + ": the last line (" + std::to_string(torn_->bytes) +
                              " bytes) is incomplete, cut short by a crash; the writer records it when it next opens "
                              "the log");
    }
    if (result_.intact && mark_) checkState(live, *stateFile);
    if (result_.intact && mark_) {
      result_.tailVouched = true;
    } else if (result_.tailProblem.empty()) {
      result_.tailProblem = stateFile ? "the state file " + stateFile->string() + " cannot be used"
                                      : "there is no state file (audit.state) to check the tail against";
    }
    return std::move(result_);
  }

  void failAt(std::string problem) {
    if (!result_.intact) return;
    result_.intact = false;
    result_.problem = std::move(problem);
  }

  void note(std::string text) { result_.notes.push_back(std::move(text)); }
  void tailProblem(std::string text) { result_.tailProblem = std::move(text); }

 private:
  void failUnaccounted() {
    failAt(where(tornFile_, torn_->number) + ": unreadable line of " + std::to_string(torn_->bytes) + " bytes (" +
           tornError_ + ") that no recovery record accounts for: the log was damaged or edited");
  }

  void record(const AuditRecord& r, const LogLine& line) {
    const std::string at = where(file_, line.number, r.seq);
    const bool recovery = r.entry.event == kAuditEventLogRecovered;
    if (torn_) {
      const auto& d = r.entry.details;
      const auto named = [&](const char* key, const std::string& value) {
        auto it = d.find(key);
        return it != d.end() && it->second == value;
      };
      if (!recovery || !named("line", std::to_string(torn_->number)) ||
          !named("bytes", std::to_string(torn_->bytes)) || !named("sha256", torn_->sha256)) {
        return failUnaccounted();
      }
      note(where(tornFile_, torn_->number) + ": a line cut short by a crash (" + std::to_string(torn_->bytes) +
           " bytes), recorded by seq " + std::to_string(r.seq));
      torn_.reset();
    } else if (recovery) {
      return failAt(at + ": recovery record names a torn line that is not right before it");
    }

    const std::string canonical = canonicalAuditForm(r);
    if (sha256Hex(canonical) != r.hash) return failAt(at + ": hash does not match the content: the record was edited");
    if (lineWithHash(canonical, r.hash) != line.text) {
      return failAt(at + ": the line is not in canonical form: the record was edited");
    }
    if (result_.records == 0) {
      if (r.seq == 0) return failAt(at + ": seq 0 is not a valid sequence number");
      if (r.seq == 1 && !r.prev.empty()) return failAt(at + ": the first record has a prev hash");
      if (r.seq > 1) {
        note(at + ": records before seq " + std::to_string(r.seq) + " are not here (older records rotated away)");
      }
      result_.firstSeq = r.seq;
    } else {
      if (r.seq != result_.lastSeq + 1) {
        return failAt(at + ": expected seq " + std::to_string(result_.lastSeq + 1) + " after seq " +
                      std::to_string(result_.lastSeq) +
                      (r.seq <= result_.lastSeq ? " (records reordered or inserted)" : " (records deleted or reordered)"));
      }
      if (r.prev != lastHash_) {
        return failAt(at + ": prev does not match the hash of seq " + std::to_string(result_.lastSeq) +
                      " (a record was inserted, replaced or re-chained)");
      }
    }
    if (r.entry.event == kAuditEventLogTruncated) return failAt(at + ": the writer found records missing: " + r.entry.message);
    if (mark_ && r.seq == mark_->seq) markHashSeen_ = r.hash;
    ++result_.records;
    result_.lastSeq = r.seq;
    lastHash_ = r.hash;
    lastFile_ = file_;
    lastLine_ = line.number;
  }

  void checkState(const fs::path& live, const fs::path& stateFile) {
    const std::string state = "the state file " + stateFile.string();
    if (mark_->seq > result_.lastSeq) {
      const std::string at =
          result_.records > 0 ? where(lastFile_, lastLine_, result_.lastSeq) : live.string() + " (no records)";
      return failAt(at + ": the log ends here but " + state + " says it reached seq " + std::to_string(mark_->seq) +
                    ": its tail was truncated");
    }
    if (markHashSeen_ && *markHashSeen_ != mark_->hash) {
      return failAt("seq " + std::to_string(mark_->seq) + ": its hash differs from the one in " + state +
                    ": the log was rewritten from there");
    }
  }

  std::optional<StateMark> mark_;
  std::optional<std::string> markHashSeen_;
  AuditVerification result_;
  // Copies, not pointers: the file list and contents live only while their file is walked.
  fs::path file_;
  fs::path lastFile_;
  std::size_t lastLine_ = 0;
  std::string lastHash_;
  std::optional<TornLine> torn_;
  fs::path tornFile_;
  std::string tornError_;
};

}  // namespace

AuditVerification verifyAuditLog(const fs::path& path, const std::optional<fs::path>& stateFile) {
  std::vector<std::string> stateNotes;
  std::optional<StateMark> mark;
  if (stateFile) {
    auto content = platform::readWholeFile(*stateFile);
    if (!content) {
      stateNotes.push_back("the state file " + stateFile->string() + " cannot be read (" + content.error().message +
                           "): a truncated tail cannot be detected");
    } else if (auto parsed = parseState(*content); !parsed) {
      stateNotes.push_back("the state file " + stateFile->string() + " is unreadable (" + parsed.error().message +
                           "): a truncated tail cannot be detected");
    } else {
      mark = *parsed;
    }
  }

  ChainVerifier verifier(mark);
  for (const std::string& text : stateNotes) verifier.note(text);
  if (!stateNotes.empty()) verifier.tailProblem(stateNotes.front());
  forEachLogFile(
      path,
      [&](const fs::path& file, const std::vector<LogLine>& lines) {
        verifier.startFile(file);
        for (const LogLine& line : lines) verifier.line(line);
      },
      [&](const std::string& error) { verifier.failAt(error); });
  return verifier.finish(path, stateFile);
}

}  // namespace remediator::service
