#include "service/fleet_report.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <system_error>

#include "platform/time_format.h"
#include "service/audit_log.h"
#include "service/report_publisher.h"

namespace remediator::service {

namespace fs = std::filesystem;
using platform::ErrorCode;
using platform::fail;
using platform::Result;

const char* chainStateName(ChainState state) {
  switch (state) {
    case ChainState::kNone: return "none";
    case ChainState::kIntact: return "intact";
    case ChainState::kBroken: return "broken";
    case ChainState::kDiverged: return "diverged";
  }
  return "none";
}

bool FleetReport::needsAdmin() const {
  return !problems.empty() || std::any_of(pcs.begin(), pcs.end(), [](const PcView& pc) { return pc.needsAdmin; });
}

namespace {

/// Keeps at most `max` bytes of `s`, cut at a character boundary, with "..." when cut.
std::string clip(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

// --- the canonical record line, scanned without a JSON library ---
// A published line must be exactly what the log writes (canonicalAuditForm plus "hash"): fixed keys in a fixed
// order, string values, flat string-to-string objects. Anything else is not a record. The fields the report
// needs are decoded; the hash is checked over the line's own bytes.

/// Views into the line; a field with escapes is decoded into its own storage, which the view then names (so a
/// Scanned is filled in place and never copied).
struct Scanned {
  std::uint64_t seq = 0;
  std::string_view time, fixer, event, mode, outcome, message, prev;
  std::string_view hash;
  std::string storage[7];
  Scanned() = default;
  Scanned(const Scanned&) = delete;
  Scanned& operator=(const Scanned&) = delete;
};

class LineScanner {
 public:
  explicit LineScanner(std::string_view line) : s_(line) {}

  bool scan(Scanned& r) {
    std::string* st = r.storage;
    if (!lit("{\"seq\":") || !number(r.seq) || !lit(",\"time\":") || !str(&r.time, &st[0]) || !lit(",\"host\":") ||
        !str(nullptr, nullptr) || !lit(",\"fixer\":") || !str(&r.fixer, &st[1]) || !lit(",\"event\":") ||
        !str(&r.event, &st[2]) || !lit(",\"mode\":") || !str(&r.mode, &st[3]) || !lit(",\"observed\":") ||
        !object() || !lit(",\"desired\":") || !object() || !lit(",\"outcome\":") || !str(&r.outcome, &st[4]) ||
        !lit(",\"message\":") || !str(&r.message, &st[5]) || !lit(",\"details\":") || !object() ||
        !lit(",\"policy_sha256\":") || !str(nullptr, nullptr) || !lit(",\"prev\":") || !str(&r.prev, &st[6])) {
      return false;
    }
    hashAt_ = pos_;
    if (!lit(",\"hash\":\"")) return false;
    if (s_.size() != pos_ + 64 + 2) return false;
    r.hash = s_.substr(pos_, 64);
    for (char c : r.hash) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    pos_ += 64;
    return lit("\"}");
  }
  /// The canonical form's bytes but its closing brace: the line up to ,"hash".
  std::string_view hashed() const { return s_.substr(0, hashAt_); }

 private:
  bool lit(std::string_view t) {
    if (s_.compare(pos_, t.size(), t) != 0) return false;
    pos_ += t.size();
    return true;
  }
  bool number(std::uint64_t& v) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9' && pos_ - start < 19) {
      v = v * 10 + static_cast<std::uint64_t>(s_[pos_] - '0');
      ++pos_;
    }
    return pos_ > start && (pos_ - start == 1 || s_[start] != '0');
  }
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  /// A JSON string. With `view`: the raw bytes when there is no escape, else the decoded text in `storage`
  /// (\uXXXX below U+0080 only, as the canonical form writes).
  bool str(std::string_view* view, std::string* storage) {
    if (pos_ >= s_.size() || s_[pos_] != '"') return false;
    const std::size_t start = ++pos_;
    bool escaped = false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\') {
        escaped = true;
        if (pos_ + 1 >= s_.size()) return false;
        pos_ += s_[pos_ + 1] == 'u' ? 6 : 2;
        continue;
      }
      ++pos_;
    }
    if (pos_ >= s_.size()) return false;
    const std::string_view raw = s_.substr(start, pos_ - start);
    ++pos_;
    if (!escaped) {
      if (view) *view = raw;
      return true;
    }
    std::string scratch;
    std::string& out = storage ? *storage : scratch;
    out.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out += raw[i];
        continue;
      }
      if (i + 1 >= raw.size()) return false;
      const char e = raw[++i];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (i + 4 >= raw.size()) return false;
          int v = 0;
          for (int k = 1; k <= 4; ++k) {
            const int h = hex(raw[i + static_cast<std::size_t>(k)]);
            if (h < 0) return false;
            v = v * 16 + h;
          }
          i += 4;
          if (v >= 0x80) return false;
          out += static_cast<char>(v);
          break;
        }
        default: return false;
      }
    }
    if (view) *view = out;
    return true;
  }
  bool object() {
    if (!lit("{")) return false;
    if (lit("}")) return true;
    while (true) {
      if (!str(nullptr, nullptr) || !lit(":") || !str(nullptr, nullptr)) return false;
      if (lit("}")) return true;
      if (!lit(",")) return false;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t hashAt_ = 0;
};

DayMark worse(DayMark a, DayMark b) { return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b; }

/// What a record says about its fixer's day.
DayMark markOf(const Scanned& r) {
  if (r.event == "failed" || r.outcome == "failed") return DayMark::kFailed;
  if (r.event == "verified") return r.outcome == "compliant" ? DayMark::kHealed : DayMark::kDrift;
  if (r.event == "detected") {
    if (r.outcome == "compliant") return DayMark::kCompliant;
    // Enforced, a drift found is healed or fails in the same run: only where nothing is applied does it stay.
    if (r.outcome == "drift" && r.mode != "enforce") return DayMark::kDrift;
  }
  if (r.event == "recurred" || r.event == "breaker_open") return DayMark::kFailed;
  return DayMark::kNone;
}

bool isAction(const Scanned& r) {
  return r.event == "applied" || r.event == "failed" || r.event == "recurred" || r.event == "deferred" ||
         r.event == "breaker_open" || r.event == "breaker_reset" || r.outcome == "failed" ||
         r.outcome == "drift_remains" || r.event.rfind("log_", 0) == 0;
}

struct FixerStats {
  int heals = 0;
  int failures = 0;
  int drifts = 0;
  bool recurred = false;
  std::string lastProblem;
  std::array<DayMark, kTimelineDays> days{};
};

/// Builds one PcView from a PC's files, fed in order: head, status, then chunks by ascending first seq.
class PcAccumulator {
 public:
  PcAccumulator(std::string name, const FleetOptions& options, const std::vector<std::string>& dayLabels)
      : options_(options), limits_(options.limits), dayLabels_(dayLabels) {
    pc_.name = clip(name, limits_.maxText);
    recentCutoff_ = platform::formatUtc(options.now - options.recent);
  }

  void head(std::optional<std::string_view> bytes) {
    if (!bytes) return;
    auto parsed = parseReportHeadFromBytes(*bytes);
    if (!parsed) {
      breakChain("head.json is not a head (" + clip(parsed.error().message, limits_.maxText) + ")");
      return;
    }
    head_ = std::move(*parsed);
    pc_.headSeq = head_->seq;
    if (platform::parseUtc(head_->time)) pc_.lastSeen = head_->time;
  }

  void status(std::optional<std::string_view> bytes) {
    if (!bytes) {
      pc_.problems.push_back("no status.json");
      return;
    }
    if (bytes->size() > limits_.maxStatusBytes) {
      pc_.problems.push_back("status.json is larger than " + std::to_string(limits_.maxStatusBytes) + " bytes");
      return;
    }
    try {
      Poco::JSON::Parser parser;
      auto var = parser.parse(std::string(*bytes));
      if (var.type() != typeid(Poco::JSON::Object::Ptr)) throw std::runtime_error("not a JSON object");
      readStatus(*var.extract<Poco::JSON::Object::Ptr>());
    } catch (const std::exception& e) {
      pc_.problems.push_back("status.json is not valid (" + clip(e.what(), limits_.maxText) + ")");
    }
  }

  /// One chunk's bytes; `firstSeq` from its name.
  void chunk(std::uint64_t firstSeq, std::string_view bytes) {
    if (pc_.chain == ChainState::kBroken) return;  // the first break is the one that counts
    if (seen_ && firstSeq <= lastSeq_) {
      return breakChain("chunk " + reportChunkName(firstSeq) + " overlaps records already published (to seq " +
                        std::to_string(lastSeq_) + ")");
    }
    if (seen_ && firstSeq > lastSeq_ + 1) {
      return breakChain("records " + std::to_string(lastSeq_ + 1) + ".." + std::to_string(firstSeq - 1) +
                        " were never published (rotated away on the PC or removed from the share)");
    }
    bool first = true;
    std::size_t pos = 0;
    std::size_t lineNo = 0;
    while (pos < bytes.size() && pc_.chain != ChainState::kBroken) {
      std::size_t end = bytes.find('\n', pos);
      ++lineNo;
      // Where, for a finding: built only when there is one (it would cost more than the record's hash).
      const auto where = [&] { return reportChunkName(firstSeq) + " line " + std::to_string(lineNo); };
      if (end == std::string_view::npos) return breakChain(where() + ": the chunk ends in the middle of a line");
      const std::string_view line = bytes.substr(pos, end - pos);
      pos = end + 1;
      if (line.size() > limits_.maxLineBytes) return breakChain(where() + ": a line longer than any record");
      LineScanner scanner(line);
      Scanned scanned;
      if (!scanner.scan(scanned)) return breakChain(where() + ": not an audit record in the log's own form");
      Scanned* r = &scanned;
      if (first && r->seq != firstSeq) return breakChain(where() + ": the chunk's name says seq " +
                                                         std::to_string(firstSeq) + ", its first record is seq " +
                                                         std::to_string(r->seq));
      if (auditSha256Hex(scanner.hashed(), "}") != r->hash) {
        return breakChain(where() + " (seq " + std::to_string(r->seq) + "): the hash does not match: the record was edited");
      }
      if (!seen_) {
        if (r->seq == 1 && !r->prev.empty()) return breakChain(where() + ": the first record names a previous one");
        if (r->seq > 1) pc_.problems.push_back("records before seq " + std::to_string(r->seq) +
                                               " were not published (older than the first publish)");
      } else if (r->seq != lastSeq_ + 1) {
        return breakChain(where() + ": seq " + std::to_string(r->seq) + " after seq " + std::to_string(lastSeq_));
      } else if (r->prev != lastHash_) {
        if (first) {
          // A publish that does not continue the one before: the PC's log was rewritten after seq lastSeq_
          // reached the share. What was published stays as it was; the rest is not trusted.
          divergedAt_ = r->seq;
          pc_.chain = ChainState::kDiverged;
          pc_.chainDetail = "diverged at seq " + std::to_string(r->seq) + ": the PC's log no longer continues seq " +
                            std::to_string(lastSeq_) + " as published before; it was rewritten on the PC";
        } else {
          return breakChain(where() + " (seq " + std::to_string(r->seq) + "): prev does not match seq " +
                            std::to_string(lastSeq_) + ": a record was inserted, removed or replaced");
        }
      }
      first = false;
      seen_ = true;
      lastSeq_ = r->seq;
      lastHash_.assign(r->hash);
      if (head_ && r->seq == head_->seq) headHashSeen_ = lastHash_;
      ++pc_.records;
      record(*r);
    }
  }

  void chunkProblem(const std::string& text) { breakChain(text); }
  void note(const std::string& text) { pc_.problems.push_back(text); }

  PcView finish(std::vector<ActionView>& recent, std::uint64_t& recentTotal) {
    if (head_ && pc_.chain != ChainState::kBroken) {
      if (head_->seq > lastSeq_) {
        breakChain("head.json names seq " + std::to_string(head_->seq) + " but the published records end at " +
                   (seen_ ? "seq " + std::to_string(lastSeq_) : std::string("none")) + ": chunks were removed");
      } else if (head_->seq > 0 && headHashSeen_ && *headHashSeen_ != head_->hash) {
        breakChain("head.json's hash for seq " + std::to_string(head_->seq) + " is not that record's");
      }
    }
    if (pc_.chain == ChainState::kNone && seen_) {
      pc_.chain = ChainState::kIntact;
      pc_.chainDetail = "seq " + std::to_string(firstSeq()) + ".." + std::to_string(lastSeq_);
    }
    if (statusDiverged_ && pc_.chain != ChainState::kBroken && pc_.chain != ChainState::kDiverged) {
      pc_.chain = ChainState::kDiverged;
      pc_.chainDetail = *statusDiverged_;
    }
    // Fixers: the status's list, each with what the records said of it.
    for (auto& f : pc_.fixers) {
      if (auto it = stats_.find(f.fixer); it != stats_.end()) {
        f.heals = it->second.heals;
        f.failures = it->second.failures;
        f.drifts = it->second.drifts;
        f.days = it->second.days;
        if (f.state == "compliant" && f.heals > 0) f.state = "healed";
      }
    }
    for (auto& [name, s] : stats_) {
      if (name == "service") continue;
      if (std::none_of(pc_.fixers.begin(), pc_.fixers.end(), [&](const FixerView& f) { return f.fixer == name; }) &&
          pc_.fixers.size() < limits_.maxFixers) {
        FixerView f;
        f.fixer = name;
        f.state = "unknown";
        f.heals = s.heals;
        f.failures = s.failures;
        f.drifts = s.drifts;
        f.days = s.days;
        pc_.fixers.push_back(std::move(f));
      }
    }
    // Stale: not seen within --stale.
    const auto seen = pc_.lastSeen.empty() ? std::nullopt : platform::parseUtc(pc_.lastSeen);
    pc_.stale = !seen || *seen < options_.now - options_.stale;

    auto reason = [&](const std::string& why) {
      pc_.needsAdmin = true;
      pc_.reasons.push_back(why);
    };
    if (pc_.stale) reason("stale");
    if (pc_.chain == ChainState::kBroken) reason("chain broken");
    if (pc_.chain == ChainState::kDiverged) reason("chain diverged");
    for (const auto& f : pc_.fixers) {
      if (f.state == "failed" || f.state == "drift" || f.state == "breaker_open") reason(f.fixer + " " + f.state);
    }
    if (!pc_.doctorProblems.empty()) reason("doctor");
    if (std::any_of(pc_.problems.begin(), pc_.problems.end(),
                    [](const std::string& p) { return p.rfind("records before", 0) != 0; })) {
      reason("unreadable files");
    }
    recentTotal += actionsSeen_;
    for (auto& a : actions_) recent.push_back(std::move(a));
    pc_.actionsDropped = actionsSeen_ - std::min<std::uint64_t>(actionsSeen_, actions_.size());
    return std::move(pc_);
  }

  const std::map<std::string, FixerStats, std::less<>>& stats() const { return stats_; }
  std::vector<RecurringView> recurring() const {
    std::vector<RecurringView> out;
    for (const auto& [name, s] : stats_) {
      if (s.recurred || s.heals + s.failures >= options_.recurringCount) {
        out.push_back({pc_.name, name, s.heals, s.failures, s.lastProblem});
      }
    }
    return out;
  }

 private:
  std::uint64_t firstSeq() const { return lastSeq_ + 1 - pc_.records; }

  void breakChain(const std::string& why) {
    if (pc_.chain == ChainState::kBroken) return;
    pc_.chain = ChainState::kBroken;
    pc_.chainDetail = clip(why, 2 * limits_.maxText);
  }

  void readStatus(const Poco::JSON::Object& root) {
    const std::size_t maxText = limits_.maxText;
    if (pc_.lastSeen.empty()) {
      const auto published = root.optValue<std::string>("published", root.optValue<std::string>("written", ""));
      if (platform::parseUtc(published)) pc_.lastSeen = published;
    }
    if (auto fixers = root.getArray("fixers")) {
      for (std::size_t i = 0; i < fixers->size() && pc_.fixers.size() < limits_.maxFixers; ++i) {
        auto f = fixers->getObject(static_cast<unsigned>(i));
        if (f.isNull()) continue;
        FixerView v;
        v.fixer = clip(f->optValue<std::string>("fixer", "?"), 64);
        v.mode = clip(f->optValue<std::string>("mode", ""), 16);
        v.message = clip(f->optValue<std::string>("message", ""), maxText);
        v.lastRun = clip(f->optValue<std::string>("last_run", ""), 40);
        const std::string outcome = f->optValue<std::string>("outcome", "");
        const std::string finding = f->optValue<std::string>("finding", "");
        if (v.mode == "off") v.state = "off";
        else if (f->optValue<bool>("breaker_open", false)) v.state = "breaker_open";
        else if (outcome == "failed" || finding == "error") v.state = "failed";
        else if (outcome == "fixed") v.state = "healed";
        else if (outcome == "drift" || finding == "drift") v.state = "drift";
        else if (outcome == "not_applicable" || finding == "not_applicable") v.state = "not_applicable";
        else if (outcome == "compliant" || outcome == "skipped" || finding == "compliant") v.state = "compliant";
        else v.state = "unknown";
        pc_.fixers.push_back(std::move(v));
      }
    }
    // The doctor's result, once the doctor exists: {"problems":[{"id","message"} or "text", ...]}.
    if (auto doctor = root.getObject("doctor")) {
      if (auto problems = doctor->getArray("problems")) {
        for (std::size_t i = 0; i < problems->size() && pc_.doctorProblems.size() < limits_.maxDoctorProblems; ++i) {
          const auto item = problems->get(static_cast<unsigned>(i));
          std::string text;
          if (item.isString()) {
            text = item.extract<std::string>();
          } else if (auto o = problems->getObject(static_cast<unsigned>(i))) {
            text = o->optValue<std::string>("id", "") + ": " + o->optValue<std::string>("message", "");
          }
          if (!text.empty()) pc_.doctorProblems.push_back(clip(text, maxText));
        }
      }
    }
    if (auto audit = root.getObject("audit")) {
      const auto local = audit->optValue<Poco::UInt64>("local_last_seq", 0);
      const auto published = audit->optValue<Poco::UInt64>("published_seq", 0);
      if (local > published) pc_.unpublished = local - published;
      if (!audit->optValue<bool>("continues_head", true) || local < published) {
        statusDiverged_ = "diverged after seq " + std::to_string(published) +
                          ": the PC says its log (now to seq " + std::to_string(local) +
                          ") no longer continues what it published; it was reset or rewritten";
      }
    }
  }

  void record(const Scanned& r) {
    if (r.time < recentCutoff_ && r.time.compare(0, 10, dayLabels_.front()) < 0) return;
    FixerStats* s = nullptr;
    if (auto it = stats_.find(r.fixer); it != stats_.end()) {
      s = &it->second;
    } else if (stats_.size() < limits_.maxFixers) {
      s = &stats_[clip(r.fixer, 64)];
    }
    const DayMark mark = markOf(r);
    if (s && r.time.size() >= 10) {
      for (int d = 0; d < kTimelineDays; ++d) {
        if (r.time.compare(0, 10, dayLabels_[static_cast<std::size_t>(d)]) == 0) {
          s->days[static_cast<std::size_t>(d)] = worse(s->days[static_cast<std::size_t>(d)], mark);
          break;
        }
      }
    }
    if (r.time < recentCutoff_) return;
    if (s) {
      if (mark == DayMark::kHealed) ++s->heals;
      if (mark == DayMark::kFailed && r.event != "recurred" && r.event != "breaker_open") ++s->failures;
      if (mark == DayMark::kDrift) ++s->drifts;
      if (r.event == "recurred") s->recurred = true;
      if (mark >= DayMark::kHealed && !r.message.empty()) s->lastProblem = clip(r.message, limits_.maxText);
    }
    if (isAction(r)) {
      ++actionsSeen_;
      if (actions_.size() >= limits_.maxActionsPerPc) actions_.erase(actions_.begin());  // keep the newest
      actions_.push_back({pc_.name, clip(r.time, 40), clip(r.fixer, 64), clip(r.event, 40), clip(r.outcome, 40),
                          clip(r.message, limits_.maxText)});
    }
  }

  const FleetOptions& options_;
  const FleetLimits& limits_;
  const std::vector<std::string>& dayLabels_;
  std::string recentCutoff_;
  PcView pc_;
  std::optional<ReportHead> head_;
  std::optional<std::string> headHashSeen_;
  std::optional<std::string> statusDiverged_;
  bool seen_ = false;
  std::uint64_t lastSeq_ = 0;
  std::string lastHash_;
  std::uint64_t divergedAt_ = 0;
  std::map<std::string, FixerStats, std::less<>> stats_;
  std::vector<ActionView> actions_;
  std::uint64_t actionsSeen_ = 0;
};

std::vector<std::string> dayLabelsFor(platform::SysTime now) {
  std::vector<std::string> labels;
  for (int d = kTimelineDays - 1; d >= 0; --d) {
    labels.push_back(platform::formatUtc(now - std::chrono::hours(24 * d)).substr(0, 10));
  }
  return labels;
}

/// Folds one PC into the fleet's aggregates.
void addToFleet(FleetReport& report, const PcAccumulator& acc, const FleetOptions& options) {
  for (const auto& [fixer, s] : acc.stats()) {
    if (fixer == "service") continue;
    if (report.timeline.size() >= options.limits.maxFixers && !report.timeline.count(fixer)) continue;
    auto& days = report.timeline[fixer];
    for (int d = 0; d < kTimelineDays; ++d) ++days[static_cast<std::size_t>(d)][static_cast<std::size_t>(s.days[static_cast<std::size_t>(d)])];
  }
  for (auto& r : acc.recurring()) {
    if (report.recurring.size() < options.limits.maxActions) report.recurring.push_back(std::move(r));
  }
}

void finishFleet(FleetReport& report, const FleetOptions& options) {
  std::sort(report.pcs.begin(), report.pcs.end(), [](const PcView& a, const PcView& b) { return a.name < b.name; });
  std::sort(report.actions.begin(), report.actions.end(),
            [](const ActionView& a, const ActionView& b) { return a.time > b.time; });
  if (report.actions.size() > options.limits.maxActions) report.actions.resize(options.limits.maxActions);
  std::sort(report.recurring.begin(), report.recurring.end(), [](const RecurringView& a, const RecurringView& b) {
    return a.heals + a.failures > b.heals + b.failures;
  });
}

/// A file of the PC's folder as bytes, when it is a regular file (never through a link) no larger than `max`.
Result<std::string> readBounded(const fs::path& path, std::uint64_t max) {
  std::error_code ec;
  const auto st = fs::symlink_status(path, ec);
  if (ec) return fail(ec == std::errc::no_such_file_or_directory ? ErrorCode::kNotFound : ErrorCode::kIo, ec.message());
  if (st.type() != fs::file_type::regular) return fail(ErrorCode::kInvalidData, "not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec) return fail(ErrorCode::kIo, ec.message());
  if (size > max) return fail(ErrorCode::kInvalidData, "larger than " + std::to_string(max) + " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot open");
  std::string data(static_cast<std::size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

std::optional<std::string> optionalFile(const fs::path& path, std::uint64_t max, PcAccumulator& acc) {
  auto r = readBounded(path, max);
  if (r) return std::move(*r);
  if (r.error().code != ErrorCode::kNotFound) acc.note(path.filename().string() + ": " + r.error().message);
  return std::nullopt;
}

}  // namespace

PcView parsePcReportFromBytes(const std::string& name, std::string_view head, std::string_view status,
                              const std::vector<std::pair<std::string, std::string_view>>& chunks,
                              const FleetOptions& options) {
  const auto labels = dayLabelsFor(options.now);
  PcAccumulator acc(name, options, labels);
  acc.head(head.empty() ? std::nullopt : std::optional<std::string_view>(head));
  acc.status(status.empty() ? std::nullopt : std::optional<std::string_view>(status));
  std::vector<std::pair<std::uint64_t, std::string_view>> ordered;
  for (const auto& [chunkName, bytes] : chunks) {
    if (auto seq = parseReportChunkName(chunkName)) ordered.emplace_back(*seq, bytes);
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [seq, bytes] : ordered) {
    if (bytes.size() > options.limits.maxChunkBytes) {
      acc.chunkProblem(reportChunkName(seq) + " is larger than any chunk a PC writes");
    } else {
      acc.chunk(seq, bytes);
    }
  }
  std::vector<ActionView> actions;
  std::uint64_t total = 0;
  return acc.finish(actions, total);
}

Result<FleetReport> readFleetReport(const fs::path& folder, const FleetOptions& options) {
  const FleetLimits& limits = options.limits;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  if (ec) return fail(ec == std::errc::no_such_file_or_directory ? ErrorCode::kNotFound : ErrorCode::kIo,
                      "cannot read the report folder " + folder.string() + ": " + ec.message());
  std::vector<std::string> names;
  for (fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) return fail(ErrorCode::kIo, "cannot read the report folder " + folder.string() + ": " + ec.message());
    std::error_code sec;
    if (it->symlink_status(sec).type() != fs::file_type::directory) continue;  // links and files are not PCs
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  FleetReport report;
  report.folder = folder.string();
  report.generated = platform::formatUtc(options.now);
  report.dayLabels = dayLabelsFor(options.now);
  if (names.size() > limits.maxPcs) {
    report.problems.push_back(std::to_string(names.size()) + " folders; only the first " +
                              std::to_string(limits.maxPcs) + " are read");
    names.resize(limits.maxPcs);
  }
  for (const auto& name : names) {
    const fs::path dir = folder / name;
    PcAccumulator acc(name, options, report.dayLabels);
    acc.head(optionalFile(dir / kReportHeadFile, 4096, acc));
    acc.status(optionalFile(dir / kReportStatusFile, limits.maxStatusBytes, acc));
    std::vector<std::uint64_t> chunks;
    std::size_t entries = 0;
    std::error_code dec;
    for (fs::directory_iterator c(dir, dec), end; !dec && c != end; c.increment(dec)) {
      if (++entries > limits.maxEntriesPerPc) {
        acc.note("more than " + std::to_string(limits.maxEntriesPerPc) + " files; the rest are not read");
        break;
      }
      if (auto seq = parseReportChunkName(c->path().filename().string())) chunks.push_back(*seq);
    }
    if (dec) acc.note("the folder cannot be listed: " + dec.message());
    std::sort(chunks.begin(), chunks.end());
    for (const std::uint64_t seq : chunks) {
      auto bytes = readBounded(dir / reportChunkName(seq), limits.maxChunkBytes);
      if (!bytes) {
        acc.chunkProblem(reportChunkName(seq) + ": " + bytes.error().message);
        break;
      }
      acc.chunk(seq, *bytes);
    }
    addToFleet(report, acc, options);
    report.pcs.push_back(acc.finish(report.actions, report.actionsTotal));
    // Keep the page bounded while reading, not only at the end.
    if (report.actions.size() > 2 * limits.maxActions) {
      std::sort(report.actions.begin(), report.actions.end(),
                [](const ActionView& a, const ActionView& b) { return a.time > b.time; });
      report.actions.resize(limits.maxActions);
    }
  }
  finishFleet(report, options);
  return report;
}

}  // namespace remediator::service
