#include "policies/policy_document.h"

#include <algorithm>
#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "platform/ascii.h"
#include "policies/policy_schema.h"
#include "policies/value_syntax.h"

namespace remediator::policies {
namespace {

using platform::ErrorCode;
using platform::fail;
using platform::Result;
namespace pt = boost::property_tree;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::size_t kMaxProblemsShown = 20;

/// Length of the UTF-8 sequence starting at `s[i]`, or 0 when it is not valid UTF-8 (overlong forms,
/// surrogates and code points above U+10FFFF included).
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

std::string hexByte(unsigned char b) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", b);
  return buffer;
}

/// Calls `visit(lineNumber, line)` for every line of `text`, the line without its end-of-line characters.
template <typename Visit>
void forEachLine(std::string_view text, Visit visit) {
  int number = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    visit(++number, line);
    begin = end + 1;
  }
}

// ---- INI --------------------------------------------------------------------------------------------------

/// Where each section and key of an INI text is; collects the structural problems Boost's reader would stop
/// at (or let through, like a key before any section), each with its own line.
struct IniLayout {
  std::map<std::string, int> sectionLines;
  std::map<std::pair<std::string, std::string>, int> keyLines;
  std::vector<PolicyDocument::Section> sections;  ///< in document order, empty ones included
  std::vector<PolicyProblem> problems;
};

IniLayout scanIni(std::string_view text) {
  IniLayout layout;
  std::string current;
  bool inSection = false;
  forEachLine(text, [&](int number, std::string_view raw) {
    std::string_view line = trimView(raw);
    if (line.empty() || line.front() == ';' || line.front() == '#') return;
    if (line.front() == '[') {
      std::size_t close = line.find(']');
      if (close == std::string_view::npos) {
        layout.problems.push_back({number, "unclosed section header: expected [name]"});
        inSection = false;
        return;
      }
      std::string_view rest = trimView(line.substr(close + 1));
      if (!rest.empty() && rest.front() != ';' && rest.front() != '#') {
        layout.problems.push_back(
            {number, "unexpected text after the section header: expected [name] alone"});
      }
      current = std::string(trimView(line.substr(1, close - 1)));
      inSection = true;
      if (current.empty()) {
        layout.problems.push_back({number, "empty section name: expected [name]"});
        return;
      }
      auto [it, inserted] = layout.sectionLines.emplace(current, number);
      if (!inserted) {
        layout.problems.push_back({number, keyLabel(PolicyFormat::kIni, current) +
                                               ": duplicate section (first at line " +
                                               std::to_string(it->second) + "); merge the two"});
        return;
      }
      layout.sections.push_back({current, number});
      return;
    }
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      layout.problems.push_back({number, "expected 'key = value', a [section] header or a comment (; or #)"});
      return;
    }
    std::string key(trimView(line.substr(0, equals)));
    if (key.empty()) {
      layout.problems.push_back({number, "a key name is missing before '='"});
      return;
    }
    if (!inSection) {
      layout.problems.push_back(
          {number, "key '" + key + "' is outside any section: put it under a [section] header"});
      return;
    }
    auto [it, inserted] = layout.keyLines.emplace(std::make_pair(current, key), number);
    if (!inserted) {
      layout.problems.push_back({number, keyLabel(PolicyFormat::kIni, current, key) +
                                             ": duplicate key (first at line " + std::to_string(it->second) +
                                             "); keep one"});
    }
  });
  return layout;
}

// ---- XML --------------------------------------------------------------------------------------------------

/// The lines of the start tags of every element, by path ("policy/clock/mode"), in document order. Run on
/// text Boost has already parsed, so it only needs to find tags, not to check them.
std::map<std::string, std::vector<int>> xmlElementLines(std::string_view text) {
  std::map<std::string, std::vector<int>> lines;
  std::vector<std::string> stack;
  int line = 1;
  std::size_t i = 0;
  auto skipPast = [&](std::string_view terminator) {
    std::size_t end = text.find(terminator, i);
    end = end == std::string_view::npos ? text.size() : end + terminator.size();
    line += static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(i),
                                        text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
    i = end;
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') ++line;
    if (c != '<') {
      ++i;
      continue;
    }
    std::string_view rest = text.substr(i);
    if (rest.starts_with("<!--")) {
      skipPast("-->");
    } else if (rest.starts_with("<![CDATA[")) {
      skipPast("]]>");
    } else if (rest.starts_with("<?")) {
      skipPast("?>");
    } else if (rest.starts_with("<!")) {
      skipPast(rest.find('[') < rest.find('>') ? "]>" : ">");
    } else if (rest.starts_with("</")) {
      if (!stack.empty()) stack.pop_back();
      skipPast(">");
    } else {
      int tagLine = line;
      std::size_t nameEnd = i + 1;
      while (nameEnd < text.size() &&
             std::string_view(" \t\r\n/>").find(text[nameEnd]) == std::string_view::npos) {
        ++nameEnd;
      }
      std::string name(text.substr(i + 1, nameEnd - i - 1));
      // Find the tag's end outside quoted attribute values.
      char quote = 0;
      std::size_t k = nameEnd;
      for (; k < text.size(); ++k) {
        if (text[k] == '\n') ++line;
        if (quote != 0) {
          if (text[k] == quote) quote = 0;
        } else if (text[k] == '"' || text[k] == '\'') {
          quote = text[k];
        } else if (text[k] == '>') {
          break;
        }
      }
      bool selfClosing = k > 0 && k < text.size() && text[k - 1] == '/';
      std::string path;
      for (const std::string& part : stack) path += part + "/";
      lines[path + name].push_back(tagLine);
      if (!selfClosing) stack.push_back(name);
      i = k + 1;
    }
  }
  return lines;
}

/// Hands out the line of the n-th occurrence of each element path, in the order a tree walk meets them.
class XmlLineCursor {
 public:
  explicit XmlLineCursor(std::string_view text) : lines_(xmlElementLines(text)) {}
  int next(const std::string& path) {
    auto it = lines_.find(path);
    std::size_t index = used_[path]++;
    if (it == lines_.end() || index >= it->second.size()) return 0;
    return it->second[index];
  }

 private:
  std::map<std::string, std::vector<int>> lines_;
  std::map<std::string, std::size_t> used_;
};

constexpr std::string_view kXmlAttributes = "<xmlattr>";

/// The problem with attributes on the element `label`: a password attribute gets the password advice.
std::string attributeProblem(const std::string& label, const pt::ptree& attributes, const char* instead) {
  for (const auto& [attribute, value] : attributes) {
    if (isPasswordKey(attribute)) return label + " " + attribute + ": " + std::string(passwordKeyAdvice());
  }
  return label + ": attributes are not used: " + instead;
}

/// The XML declaration's encoding, lower-cased, or empty when none is declared.
std::string declaredXmlEncoding(std::string_view text) {
  std::string_view start = trimView(text);
  if (!start.starts_with("<?xml")) return {};
  std::string_view declaration = start.substr(0, start.find("?>"));
  std::size_t at = declaration.find("encoding");
  if (at == std::string_view::npos) return {};
  std::size_t open = declaration.find_first_of("\"'", at);
  if (open == std::string_view::npos) return {};
  std::size_t close = declaration.find(declaration[open], open + 1);
  if (close == std::string_view::npos) return {};
  return platform::toLowerAscii(declaration.substr(open + 1, close - open - 1));
}

}  // namespace

platform::Error policyError(const std::string& name, std::vector<PolicyProblem> problems) {
  // Problems without a line (a missing key) go last, in the order found.
  std::stable_sort(problems.begin(), problems.end(), [](const PolicyProblem& a, const PolicyProblem& b) {
    constexpr int kLast = std::numeric_limits<int>::max();
    return (a.line == 0 ? kLast : a.line) < (b.line == 0 ? kLast : b.line);
  });
  std::string message;
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
    if (!message.empty()) message += "\n";
    message += name + (problems[i].line > 0 ? ":" + std::to_string(problems[i].line) : "") + ": " +
               problems[i].message;
  }
  if (problems.size() > kMaxProblemsShown) {
    message +=
        "\n" + name + ": and " + std::to_string(problems.size() - kMaxProblemsShown) + " more problems";
  }
  return fail(ErrorCode::kInvalidData, message);
}

std::string keyLabel(PolicyFormat format, std::string_view section, std::string_view key) {
  if (format == PolicyFormat::kXml) {
    return "/policy/" + std::string(section) + (key.empty() ? "" : "/" + std::string(key));
  }
  return "[" + std::string(section) + "]" + (key.empty() ? "" : " " + std::string(key));
}

Result<std::string_view> checkPolicyText(std::string_view raw, const std::string& name) {
  auto problem = [&](int line, const std::string& message) { return policyError(name, {{line, message}}); };
  if (raw.size() > kMaxPolicyBytes) {
    return problem(0, "the file is " + std::to_string(raw.size()) + " bytes; a policy may have at most " +
                          std::to_string(kMaxPolicyBytes) + " bytes");
  }
  if (raw.starts_with("\xFF\xFE") || raw.starts_with("\xFE\xFF")) {
    return problem(1, "the file is UTF-16 text: save it as UTF-8 (in Notepad: Save As, Encoding UTF-8)");
  }
  std::string_view text = raw;
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  if (trimView(text).empty())
    return problem(0, "the file is empty: expected a policy with at least [service] server");
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    if (b == '\n') ++line;
    if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f') {
      return problem(line,
                     "the file is binary (byte " + hexByte(b) + "), not a policy: expected INI or XML text");
    }
    std::size_t length = utf8SequenceLength(text, i);
    if (length == 0) {
      return problem(line, "the text is not valid UTF-8 (byte " + hexByte(b) + "): save the file as UTF-8");
    }
    i += length;
  }
  return text;
}

Result<PolicyDocument> readIniDocument(std::string_view text, const std::string& name) {
  IniLayout layout = scanIni(text);
  if (!layout.problems.empty()) return policyError(name, std::move(layout.problems));

  pt::ptree tree;
  try {
    std::istringstream in{std::string(text)};
    pt::read_ini(in, tree);
  } catch (const pt::ini_parser_error& e) {
    return policyError(name, {{static_cast<int>(e.line()), "malformed INI: " + e.message()}});
  }

  PolicyDocument document;
  document.format = PolicyFormat::kIni;
  document.sections = std::move(layout.sections);
  for (const auto& [sectionName, section] : tree) {
    for (const auto& [key, value] : section) {
      auto line = layout.keyLines.find({sectionName, key});
      document.entries.push_back({sectionName, key, std::string(trimView(value.data())),
                                  line == layout.keyLines.end() ? 0 : line->second});
    }
  }
  return document;
}

Result<PolicyDocument> readXmlDocument(std::string_view text, const std::string& name) {
  std::string encoding = declaredXmlEncoding(text);
  if (!encoding.empty() && encoding != "utf-8" && encoding != "utf8" && encoding != "us-ascii") {
    return policyError(name, {{1, "the XML declaration names encoding '" + encoding +
                                      "': save the file as UTF-8 and declare encoding=\"UTF-8\""}});
  }
  pt::ptree tree;
  try {
    std::istringstream in{std::string(text)};
    pt::read_xml(in, tree, pt::xml_parser::no_comments);
  } catch (const pt::xml_parser_error& e) {
    return policyError(name, {{static_cast<int>(e.line()), "malformed XML: " + e.message()}});
  }

  XmlLineCursor lines(text);
  std::vector<PolicyProblem> problems;
  PolicyDocument document;
  document.format = PolicyFormat::kXml;

  if (tree.size() != 1 || tree.front().first != "policy") {
    int line = tree.empty() ? 0 : lines.next(tree.front().first);
    return policyError(name, {{line, "expected one root element <policy> holding the sections"}});
  }
  const pt::ptree& policy = tree.front().second;
  int policyLine = lines.next("policy");
  if (!trimView(policy.data()).empty()) {
    problems.push_back({policyLine, "/policy: unexpected text: expected section elements such as <service>"});
  }
  std::map<std::string, int> sectionLines;
  for (const auto& [sectionName, section] : policy) {
    if (sectionName == kXmlAttributes) {
      problems.push_back(
          {policyLine, attributeProblem("/policy", section, "write every setting as an element")});
      continue;
    }
    int line = lines.next("policy/" + sectionName);
    std::string label = keyLabel(PolicyFormat::kXml, sectionName);
    auto [first, inserted] = sectionLines.emplace(sectionName, line);
    if (!inserted) {
      problems.push_back({line, label + ": duplicate section (first at line " +
                                    std::to_string(first->second) + "); merge the two"});
      continue;
    }
    document.sections.push_back({sectionName, line});
    if (!trimView(section.data()).empty()) {
      problems.push_back({line, label + ": unexpected text: expected key elements such as <mode>"});
    }
    std::map<std::string, int> keyLines;
    for (const auto& [key, value] : section) {
      if (key == kXmlAttributes) {
        problems.push_back({line, attributeProblem(label, value, "write every setting as an element")});
        continue;
      }
      int keyLine = lines.next("policy/" + sectionName + "/" + key);
      std::string keyName = keyLabel(PolicyFormat::kXml, sectionName, key);
      auto [firstKey, keyInserted] = keyLines.emplace(key, keyLine);
      if (!keyInserted) {
        problems.push_back({keyLine, keyName + ": duplicate key (first at line " +
                                         std::to_string(firstKey->second) + "); keep one"});
        continue;
      }
      if (!value.empty()) {
        bool attributesOnly = value.size() == 1 && value.front().first == kXmlAttributes;
        problems.push_back({keyLine, attributesOnly
                                         ? attributeProblem(keyName, value.front().second,
                                                            "write the value as the element's text")
                                         : keyName + ": expected a value, found child elements"});
        continue;
      }
      document.entries.push_back({sectionName, key, std::string(trimView(value.data())), keyLine});
    }
  }
  if (!problems.empty()) return policyError(name, std::move(problems));
  return document;
}

}  // namespace remediator::policies
