// SelfSignedCert: a private key and a self-signed X.509 certificate for the
// TLS proxy in front of tgate, for a server with no domain or no CA-issued
// certificate. Telegram accepts such a certificate when its public half is
// uploaded with setWebhook (botapi-facts.md §2: "Self-signed certificates may
// use the IP as CN"), so the host goes in the CN and in the subjectAltName,
// as an IP address or a DNS name by its form.
// Made with OpenSSL's C API in memory (RSA 2048, SHA-256, CA:TRUE so a client
// can trust it as its own anchor); writing the files is the caller's job.
// Not a CA or a certificate manager: no chains, no renewal.
#pragma once

#include <string>

#include "core/result.h"

namespace tgate::webhook {

// How the host is put in the certificate's subjectAltName.
enum class CertHostKind { kIp, kDns };

// IP (v4 or v6) or DNS name (letters, digits, '-', dots; labels of 1-63,
// at most 253 in all). InvalidArgument saying what is wrong otherwise
// (a URL, a port, spaces...).
Result<CertHostKind> ClassifyCertHost(const std::string& host);

struct SelfSignedOptions {
  std::string host;  // the webhook's host, as in public_url
  int days = 365;    // validity from now, 1-3650
};

struct SelfSignedPem {
  std::string certificate;  // PEM "CERTIFICATE": the public half, uploaded to Telegram
  std::string private_key;  // PEM "PRIVATE KEY" (PKCS#8, unencrypted): stays on the server
};

Result<SelfSignedPem> MakeSelfSignedCert(const SelfSignedOptions& options);

}  // namespace tgate::webhook
