#include "webhook/self_signed_cert.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace tgate::webhook {
namespace {

constexpr int kRsaBits = 2048;          // what Telegram's own self-signed guide uses
constexpr int kSerialBits = 128;        // random serial, as RFC 5280 recommends (<= 20 bytes)
constexpr int kMaxDays = 3650;          // ten years; Telegram checks only that it is valid now
constexpr size_t kMaxHostLength = 253;  // RFC 1035 name length, dots included
constexpr size_t kMaxLabelLength = 63;

struct FreeX509 {
  void operator()(X509* x) const { X509_free(x); }
};
struct FreePkey {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct FreeBio {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct FreeBn {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct FreeExt {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};

// The oldest OpenSSL error, as text, and the queue emptied.
std::string OpenSslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return "cannot make the certificate: " + what + " (" + buf + ")";
}

bool IsDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (unsigned char c : label) {
    if (!std::isalnum(c) && c != '-') return false;
  }
  return true;
}

std::string PemOf(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, FreeExt> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Status::Internal(OpenSslError(std::string("extension ") + OBJ_nid2sn(nid)));
  }
  return Status::Ok();
}

Status SetRandomSerial(X509* cert) {
  std::unique_ptr<BIGNUM, FreeBn> bn(BN_new());
  if (!bn || BN_rand(bn.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) {
    return Status::Internal(OpenSslError("serial number"));
  }
  return Status::Ok();
}

}  // namespace

Result<CertHostKind> ClassifyCertHost(const std::string& host) {
  if (host.empty())
    return Status::InvalidArgument("--host is empty: give the webhook's IP address or DNS name");
  if (host.find("://") != std::string::npos || host.find('/') != std::string::npos) {
    return Status::InvalidArgument(
        "--host '" + host + "' is a URL: give only the host part (e.g. 203.0.113.7 or bot.example.com)");
  }
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    return CertHostKind::kIp;
  }
  const std::string hint = "give an IPv4/IPv6 address or a DNS name (letters, digits, '-' and dots), no port";
  if (host.size() > kMaxHostLength)
    return Status::InvalidArgument("--host is longer than 253 characters: " + hint);
  std::string_view rest = host;
  if (rest.back() == '.') rest.remove_suffix(1);  // a fully qualified "name."
  bool all_numeric = true;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (!IsDnsLabel(label))
      return Status::InvalidArgument("--host '" + host + "' is not a host name: " + hint);
    for (unsigned char c : label) all_numeric = all_numeric && std::isdigit(c);
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  // "1.2.3" or "300.1.1.1" look like a mistyped address, not a name.
  if (all_numeric) return Status::InvalidArgument("--host '" + host + "' is not a valid IP address: " + hint);
  return CertHostKind::kDns;
}

Result<SelfSignedPem> MakeSelfSignedCert(const SelfSignedOptions& options) {
  TGATE_ASSIGN_OR_RETURN(CertHostKind kind, ClassifyCertHost(options.host));
  if (options.days < 1 || options.days > kMaxDays) {
    return Status::InvalidArgument("--days must be 1-3650, got " + std::to_string(options.days));
  }
  std::unique_ptr<EVP_PKEY, FreePkey> key(EVP_RSA_gen(kRsaBits));
  if (!key) return Status::Internal(OpenSslError("RSA key"));
  std::unique_ptr<X509, FreeX509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return Status::Internal(OpenSslError("X509"));
  TGATE_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  const long validity_seconds = static_cast<long>(options.days) * 24 * 60 * 60;
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity_seconds)) {
    return Status::Internal(OpenSslError("validity"));
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(options.host.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Status::Internal(OpenSslError("subject"));
  }
  // The host was checked above, so it cannot smuggle a ',' into the list.
  const std::string san = (kind == CertHostKind::kIp ? "IP:" : "DNS:") + options.host;
  TGATE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  TGATE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  TGATE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, san));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Status::Internal(OpenSslError("signature"));

  std::unique_ptr<BIO, FreeBio> cert_bio(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, FreeBio> key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal(OpenSslError("PEM"));
  }
  return SelfSignedPem{PemOf(cert_bio.get()), PemOf(key_bio.get())};
}

}  // namespace tgate::webhook
