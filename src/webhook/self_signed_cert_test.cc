#include "webhook/self_signed_cert.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "core/testing.h"

namespace tgate::webhook {
namespace {

struct Parsed {
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
};

// Reads both PEMs back with OpenSSL, as nginx and the emulator will.
Parsed Parse(const SelfSignedPem& pem) {
  Parsed p;
  std::unique_ptr<BIO, decltype(&BIO_free)> cb(BIO_new_mem_buf(pem.certificate.data(), -1), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new_mem_buf(pem.private_key.data(), -1), BIO_free);
  p.cert.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  p.key.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  return p;
}

// Days from now until notAfter.
int DaysLeft(X509* cert) {
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert));
  return days;
}

std::string CommonName(X509* cert) {
  char cn[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return cn;
}

TEST(SelfSignedCert, AnIpHostIsTheCommonNameAndAnIpSubjectAltName) {
  auto pem = MakeSelfSignedCert({"127.0.0.1", 30});
  ASSERT_OK(pem);
  Parsed p = Parse(*pem);
  ASSERT_TRUE(p.cert);
  ASSERT_TRUE(p.key);
  EXPECT_EQ(X509_check_ip_asc(p.cert.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_ip_asc(p.cert.get(), "127.0.0.2", 0), 1);
  EXPECT_NE(X509_check_host(p.cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(CommonName(p.cert.get()), "127.0.0.1");
}

TEST(SelfSignedCert, ADnsHostIsADnsSubjectAltName) {
  auto pem = MakeSelfSignedCert({"bot.example.com", 365});
  ASSERT_OK(pem);
  Parsed p = Parse(*pem);
  ASSERT_TRUE(p.cert);
  EXPECT_EQ(X509_check_host(p.cert.get(), "bot.example.com", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(p.cert.get(), "other.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(CommonName(p.cert.get()), "bot.example.com");
}

TEST(SelfSignedCert, AnIpv6HostIsAccepted) {
  auto pem = MakeSelfSignedCert({"2001:db8::7", 1});
  ASSERT_OK(pem);
  Parsed p = Parse(*pem);
  ASSERT_TRUE(p.cert);
  EXPECT_EQ(X509_check_ip_asc(p.cert.get(), "2001:db8::7", 0), 1);
}

TEST(SelfSignedCert, TheKeyMatchesAndSignsTheCertificateItself) {
  auto pem = MakeSelfSignedCert({"203.0.113.7", 365});
  ASSERT_OK(pem);
  Parsed p = Parse(*pem);
  ASSERT_TRUE(p.cert && p.key);
  EXPECT_EQ(X509_check_private_key(p.cert.get(), p.key.get()), 1);
  EXPECT_EQ(X509_verify(p.cert.get(), p.key.get()), 1);
  EXPECT_EQ(X509_check_issued(p.cert.get(), p.cert.get()), X509_V_OK);
  EXPECT_EQ(EVP_PKEY_get_bits(p.key.get()), 2048);
  EXPECT_NE(pem->private_key.find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST(SelfSignedCert, ItIsValidNowForTheDaysAsked) {
  auto pem = MakeSelfSignedCert({"203.0.113.7", 90});
  ASSERT_OK(pem);
  Parsed p = Parse(*pem);
  ASSERT_TRUE(p.cert);
  EXPECT_LE(X509_cmp_current_time(X509_get0_notBefore(p.cert.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(p.cert.get())), 0);
  int left = DaysLeft(p.cert.get());
  EXPECT_GE(left, 89);
  EXPECT_LE(left, 90);
}

TEST(SelfSignedCert, TwoCertificatesHaveDifferentKeysAndSerials) {
  auto a = MakeSelfSignedCert({"127.0.0.1", 1});
  auto b = MakeSelfSignedCert({"127.0.0.1", 1});
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_NE(a->private_key, b->private_key);
  Parsed pa = Parse(*a), pb = Parse(*b);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(pa.cert.get()), X509_get0_serialNumber(pb.cert.get())),
            0);
}

TEST(SelfSignedCert, BadHostsAreRefusedSayingWhatToGive) {
  for (const char* bad : {"", "https://bot.example.com", "bot.example.com:8443", "bad host", "-x.example.com",
                          "300.1.1.1", "1.2.3", "a..b", "bot_example.com"}) {
    auto r = MakeSelfSignedCert({bad, 365});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("--host"), std::string::npos) << r.status().message();
  }
}

TEST(SelfSignedCert, DaysOutOfRangeAreRefused) {
  for (int days : {0, -1, 3651}) {
    auto r = MakeSelfSignedCert({"127.0.0.1", days});
    ASSERT_FALSE(r.ok()) << days;
    EXPECT_NE(r.status().message().find("--days"), std::string::npos) << r.status().message();
  }
}

TEST(SelfSignedCert, HostKindsAreToldApart) {
  EXPECT_EQ(*ClassifyCertHost("10.0.0.1"), CertHostKind::kIp);
  EXPECT_EQ(*ClassifyCertHost("::1"), CertHostKind::kIp);
  EXPECT_EQ(*ClassifyCertHost("localhost"), CertHostKind::kDns);
  EXPECT_EQ(*ClassifyCertHost("bot.example.com."), CertHostKind::kDns);
  EXPECT_EQ(*ClassifyCertHost("xn--80ak6aa92e.com"), CertHostKind::kDns);
}

}  // namespace
}  // namespace tgate::webhook
