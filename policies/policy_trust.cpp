#include "policies/policy_trust.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "platform/durable_file.h"

namespace remediator::policies {

using platform::ErrorCode;
using platform::fail;

PolicyTrust PolicyTrust::unsignedAccepted() {
  PolicyTrust trust;
  trust.allowUnsignedHttp = true;
  return trust;
}

platform::Result<std::optional<AcceptedPolicy>> readAcceptedPolicy(const std::filesystem::path& path) {
  auto text = platform::readWholeFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::optional<AcceptedPolicy>();
    return fail(text.error().code, "the anti-rollback record cannot be read: " + text.error().message);
  }
  try {
    auto object = Poco::JSON::Parser().parse(*text).extract<Poco::JSON::Object::Ptr>();
    AcceptedPolicy accepted;
    accepted.serial = object->getValue<Poco::Int64>("serial");
    accepted.sha256 = object->getValue<std::string>("sha256");
    accepted.keyId = object->optValue<std::string>("key", "");
    accepted.source = object->optValue<std::string>("source", "");
    accepted.time = object->optValue<std::string>("accepted", "");
    if (accepted.serial < 0 || accepted.sha256.size() != 64) throw Poco::DataException("out of range");
    return std::optional<AcceptedPolicy>(std::move(accepted));
  } catch (const Poco::Exception& e) {
    return fail(ErrorCode::kInvalidData, path.string() +
                                             ": the anti-rollback record is damaged (" + e.displayText() +
                                             "); new policies are refused until an administrator deletes it");
  }
}

platform::Result<void> writeAcceptedPolicy(const std::filesystem::path& path, const AcceptedPolicy& accepted) {
  Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
  object.set("serial", static_cast<Poco::Int64>(accepted.serial));
  object.set("sha256", accepted.sha256);
  object.set("key", accepted.keyId);
  object.set("source", accepted.source);
  object.set("accepted", accepted.time);
  std::ostringstream json;
  object.stringify(json, 2);
  json << "\n";
  return platform::writeFileDurably(path, json.str());
}

std::string rollbackProblem(const AcceptedPolicy& last, std::int64_t serial, const std::string& sha256) {
  if (serial < last.serial) {
    return "[service] serial " + std::to_string(serial) + " is lower than " + std::to_string(last.serial) +
           ", the serial of the policy last accepted: an older policy is not taken back (replayed?)";
  }
  if (serial == last.serial && sha256 != last.sha256) {
    return "[service] serial " + std::to_string(serial) +
           " is the serial of the policy last accepted, but the content differs: raise [service] serial on every "
           "publish";
  }
  return {};
}

}  // namespace remediator::policies
