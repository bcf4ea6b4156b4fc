#include "fixers/fixer.h"

namespace remediator::fixers {

const char* findingStatusName(FindingStatus status) {
  switch (status) {
    case FindingStatus::kCompliant: return "compliant";
    case FindingStatus::kDrift: return "drift";
    case FindingStatus::kNotApplicable: return "not_applicable";
    case FindingStatus::kError: return "error";
  }
  return "error";
}

Finding Finding::compliant(State observed, std::string message) {
  return Finding{FindingStatus::kCompliant, std::move(observed), {}, std::move(message)};
}
Finding Finding::drift(State observed, State desired, std::string message) {
  return Finding{FindingStatus::kDrift, std::move(observed), std::move(desired), std::move(message)};
}
Finding Finding::notApplicable(std::string message) {
  return Finding{FindingStatus::kNotApplicable, {}, {}, std::move(message)};
}
Finding Finding::error(std::string message) {
  return Finding{FindingStatus::kError, {}, {}, std::move(message)};
}

void FixerRegistry::add(std::unique_ptr<Fixer> fixer) { fixers_.push_back(std::move(fixer)); }

Fixer* FixerRegistry::find(const std::string& id) const {
  for (const auto& f : fixers_) {
    if (f->id() == id) return f.get();
  }
  return nullptr;
}

}  // namespace remediator::fixers
