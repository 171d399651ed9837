#include "webhook/webhook_registration.h"

#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "webhook/allowed_updates.h"

namespace tgate::webhook {
namespace {

constexpr size_t kMaxCertificateBytes = 3 << 20;  // Telegram's MAX_CERTIFICATE_FILE_SIZE

Result<std::string> ReadCertificate(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read certificate file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > kMaxCertificateBytes) {
    return Status::InvalidArgument("certificate file '" + path + "' is over 3 MB; Telegram refuses it");
  }
  return ss.str();
}

}  // namespace

Result<std::string> HookUrl(const std::string& public_url, const std::string& webhook_path) {
  if (public_url.empty()) {
    return Status::InvalidArgument(
        "no webhook URL: pass --url, or set public_url (TGATE_PUBLIC_URL) to the "
        "public https:// origin that reaches tgate");
  }
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/hooks/telegram/" + webhook_path;
}

Result<std::vector<telegram::FormPart>> SetWebhookParts(const WebhookRegistration& r) {
  boost::json::array allowed = AllowedUpdates();
  if (!r.allowed_updates.empty()) {
    allowed.clear();
    bool has_member = false;
    for (const std::string& u : r.allowed_updates) {
      allowed.emplace_back(u);
      has_member |= (u == "my_chat_member");
    }
    if (!has_member) allowed.emplace_back("my_chat_member");  // tgate needs blocks/unblocks
  }
  std::vector<telegram::FormPart> parts{{"url", r.url, "", ""},
                                        {"allowed_updates", boost::json::serialize(allowed), "", ""}};
  if (!r.secret.empty()) parts.push_back({"secret_token", r.secret, "", ""});
  if (r.max_connections > 0) parts.push_back({"max_connections", std::to_string(r.max_connections), "", ""});
  if (r.drop_pending) parts.push_back({"drop_pending_updates", "true", "", ""});
  if (!r.certificate_path.empty()) {
    auto pem = ReadCertificate(r.certificate_path);
    if (!pem.ok()) return pem.status();
    parts.push_back({"certificate", *pem, "certificate.pem", "application/x-pem-file"});
  }
  return parts;
}

}  // namespace tgate::webhook
