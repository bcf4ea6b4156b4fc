#include "service/policy_commands.h"

#include <ostream>
#include <system_error>

#include "platform/durable_file.h"
#include "platform/signing.h"
#include "policies/policy_loader.h"
#include "service/cli.h"

namespace remediator::service {

using platform::ErrorCode;

namespace {

std::filesystem::path signatureFileOf(const std::filesystem::path& file) {
  auto sig = file;
  sig += ".sig";
  return sig;
}

}  // namespace

int policyKeygen(const std::filesystem::path& outDir, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  std::filesystem::create_directories(outDir, ec);
  if (ec) {
    err << "policy keygen: cannot create " << outDir.string() << ": " << ec.message() << "\n";
    return kExitProblem;
  }
  auto pair = policies::generatePolicyKeyPair();
  if (!pair) {
    err << "policy keygen: " << pair.error().message << "\n";
    return kExitProblem;
  }
  const auto base = outDir / ("policy-" + pair->publicKey.id);
  auto keyFile = base;
  keyFile += ".key";
  auto pubFile = base;
  pubFile += ".pub";
  std::string secret = policies::formatPrivateKeyFile(pair->privateKey, pair->publicKey);
  auto written = platform::createPrivateFile(keyFile, secret);
  platform::wipeSecret(secret);
  if (!written) {
    err << "policy keygen: " << written.error().message << "\n";
    return kExitProblem;
  }
  const std::string publicLine = policies::formatPublicKey(pair->publicKey);
  if (auto ok = platform::writeFileDurably(pubFile, publicLine + "\n"); !ok) {
    err << "policy keygen: " << ok.error().message << " (the private key is in " << keyFile.string() << ")\n";
    return kExitProblem;
  }
  out << "wrote " << keyFile.string()
      << ": the private key, readable by you alone; keep it on this machine and off the clients\n"
      << "wrote " << pubFile.string() << ": the public key\n"
      << "public key (for POLICY_KEYS): " << publicLine << "\n";
  return kExitOk;
}

int policySign(const std::filesystem::path& file, const std::filesystem::path& keyFile, std::ostream& out,
               std::ostream& err) {
  auto keyText = platform::readWholeFile(keyFile);
  if (!keyText) {
    err << "policy sign: cannot read the private key: " << keyText.error().message << "\n";
    return kExitUsage;
  }
  auto key = policies::parsePrivateKey(*keyText);
  platform::wipeSecret(*keyText);
  if (!key) {
    err << "policy sign: " << keyFile.string() << ": " << key.error().message << "\n";
    return kExitUsage;
  }
  // A policy the service would refuse is not worth a signature: validate the very bytes that are signed.
  auto loaded = policies::loadPolicyFile(file);
  if (!loaded) {
    err << "policy sign: " << loaded.error().message << "\n";
    return kExitUsage;
  }
  auto signature = policies::signPolicy(loaded->text, *key);
  if (!signature) {
    err << "policy sign: " << signature.error().message << "\n";
    return kExitProblem;
  }
  const auto sigFile = signatureFileOf(file);
  if (auto ok = platform::writeFileDurably(sigFile, *signature); !ok) {
    err << "policy sign: " << ok.error().message << "\n";
    return kExitProblem;
  }
  const int serial = loaded->policy.service.serial;
  out << "wrote " << sigFile.string() << ": " << file.string() << " signed by key " << key->id << " (serial "
      << serial << ", sha256 " << loaded->sha256 << ")\n";
  if (serial == 0) {
    out << "note: [service] serial is 0; raise it on every publish, since a client refuses a policy whose serial "
           "is lower than, or the same as, the last one it accepted with other content\n";
  }
  return kExitOk;
}

int policyVerify(const std::filesystem::path& file, const std::vector<policies::PolicyKey>& keys,
                 const std::string& keysOrigin, std::ostream& out, std::ostream& err) {
  if (keys.empty()) {
    err << "policy verify: no trusted keys in " << keysOrigin << "; give one with --key\n";
    return kExitUsage;
  }
  auto text = platform::readWholeFile(file);
  if (!text) {
    err << "policy verify: cannot read the policy: " << text.error().message << "\n";
    return kExitUsage;
  }
  const auto sigFile = signatureFileOf(file);
  auto signature = platform::readWholeFile(sigFile);
  if (!signature) {
    out << file.string() << ": NOT SIGNED: " << signature.error().message << "\n";
    return kExitProblem;
  }
  auto keyId = policies::verifyPolicySignature(*text, *signature, keys);
  if (!keyId) {
    out << file.string() << ": INVALID: " << keyId.error().message << "\n";
    return kExitProblem;
  }
  auto loaded = policies::parsePolicy(*text, policies::guessFormat(file.string(), *text), file.string());
  if (!loaded) {
    err << "policy verify: the signature is valid (key " << *keyId << ") but the policy is not: "
        << loaded.error().message << "\n";
    return kExitUsage;
  }
  out << file.string() << ": signature valid, key " << *keyId << " (serial " << loaded->policy.service.serial
      << ", sha256 " << loaded->sha256 << ")\n";
  return kExitOk;
}

platform::Result<std::vector<policies::PolicyKey>> keysFromArgument(const std::string& argument) {
  if (auto key = policies::parsePublicKey(argument)) return std::vector<policies::PolicyKey>{*key};
  auto text = platform::readWholeFile(argument);
  if (!text) {
    return platform::fail(ErrorCode::kInvalidArgument,
                          "--key: neither a public key (ed25519:<id>:<base64>) nor a readable file: " +
                              text.error().message);
  }
  return policies::parseKeyList(*text, argument);
}

}  // namespace remediator::service
