#include "webhook/webhook_check.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tgate::webhook {
namespace {

boost::json::object Info(const std::string& url, int64_t pending = 0, const std::string& error = "",
                         int64_t error_date = 0, bool certificate = false) {
  boost::json::object o{
      {"url", url}, {"has_custom_certificate", certificate}, {"pending_update_count", pending}};
  if (error_date != 0) {
    o["last_error_date"] = error_date;
    o["last_error_message"] = error;
  }
  return o;
}

WebhookCheckOptions Options(const std::string& public_url, const std::string& certificate = "") {
  return {"shop", public_url, "secretpath", "s3cret", certificate, std::chrono::seconds(60)};
}

std::string All(const std::vector<WebhookWatch::Line>& lines) {
  std::string s;
  for (const auto& l : lines) s += l.text + "\n";
  return s;
}

TEST(WebhookWatch, WithPublicUrlAMissingOrForeignWebhookIsSetAtStartOnlyAMissingOneLater) {
  WebhookWatch w(Options("https://tg.example.org/"));
  EXPECT_EQ(w.expected_url(), "https://tg.example.org/hooks/telegram/secretpath");
  EXPECT_TRUE(w.ShouldSet(Info(""), true));
  EXPECT_TRUE(w.ShouldSet(Info("https://other.example.org/hook"), true));
  EXPECT_FALSE(w.ShouldSet(Info(w.expected_url()), true));
  EXPECT_TRUE(w.ShouldSet(Info(""), false));
  EXPECT_FALSE(w.ShouldSet(Info("https://other.example.org/hook"), false));  // warned about, not fought
}

TEST(WebhookWatch, AConfiguredCertificateTelegramDoesNotHaveIsUploadedAtStart) {
  WebhookWatch w(Options("https://203.0.113.7:8443", "/etc/tgate/cert.pem"));
  EXPECT_TRUE(w.ShouldSet(Info(w.expected_url(), 0, "", 0, false), true));
  EXPECT_FALSE(w.ShouldSet(Info(w.expected_url(), 0, "", 0, true), true));
}

TEST(WebhookWatch, WithoutPublicUrlNorWebhookItWarnsOnceNamingBothWaysOut) {
  WebhookWatch w(Options(""));
  EXPECT_FALSE(w.ShouldSet(Info(""), true));
  auto lines = w.Look(Info(""));
  ASSERT_EQ(lines.size(), 1u) << All(lines);
  EXPECT_EQ(lines[0].level, WebhookWatch::Level::kWarn);
  EXPECT_NE(lines[0].text.find("public_url"), std::string::npos) << lines[0].text;
  EXPECT_NE(lines[0].text.find("long_polling = true"), std::string::npos) << lines[0].text;
  EXPECT_TRUE(w.Look(Info("")).empty()) << "warned twice";
}

TEST(WebhookWatch, AWebhookOnAnotherPathIsWarnedAboutWithoutShowingEitherPath) {
  WebhookWatch w(Options(""));
  auto lines = w.Look(Info("https://proxy.example.org/hooks/telegram/oldpath"));
  ASSERT_EQ(lines.size(), 1u) << All(lines);
  EXPECT_EQ(lines[0].level, WebhookWatch::Level::kWarn);
  EXPECT_NE(lines[0].text.find("not to this tgate"), std::string::npos) << lines[0].text;
  EXPECT_EQ(lines[0].text.find("oldpath"), std::string::npos) << lines[0].text;
  EXPECT_EQ(lines[0].text.find("secretpath"), std::string::npos) << lines[0].text;
  // Pointed here: said once, with the path hidden.
  lines = w.Look(Info("https://proxy.example.org/hooks/telegram/secretpath"));
  ASSERT_EQ(lines.size(), 1u) << All(lines);
  EXPECT_EQ(lines[0].level, WebhookWatch::Level::kInfo);
  EXPECT_NE(lines[0].text.find("/hooks/telegram/<webhook_path>"), std::string::npos) << lines[0].text;
  EXPECT_EQ(lines[0].text.find("secretpath"), std::string::npos) << lines[0].text;
}

TEST(WebhookWatch, TelegramsErrorsAndPendingCountAreLoggedWhenTheyChange) {
  WebhookWatch w(Options("https://tg.example.org"));
  const std::string url = w.expected_url();
  EXPECT_EQ(w.Look(Info(url)).size(), 1u);  // "points here"; 0 pending is not news
  EXPECT_TRUE(w.Look(Info(url)).empty());
  auto lines = w.Look(Info(url, 3, "Wrong response from the webhook: 404 Not Found", 1700000000));
  ASSERT_EQ(lines.size(), 2u) << All(lines);
  EXPECT_EQ(lines[0].level, WebhookWatch::Level::kWarn);
  EXPECT_NE(lines[0].text.find("404 Not Found"), std::string::npos);
  EXPECT_NE(lines[0].text.find("/hooks/telegram/<webhook_path>"), std::string::npos) << lines[0].text;
  EXPECT_NE(lines[1].text.find("3 update(s)"), std::string::npos) << lines[1].text;
  EXPECT_TRUE(w.Look(Info(url, 3, "Wrong response from the webhook: 404 Not Found", 1700000000)).empty());
  lines = w.Look(Info(url, 3, "Wrong response from the webhook: 401 Unauthorized", 1700000060));
  ASSERT_EQ(lines.size(), 1u) << All(lines);
  EXPECT_NE(lines[0].text.find("webhook_secret"), std::string::npos) << lines[0].text;
  lines = w.Look(Info(url, 0, "Wrong response from the webhook: 401 Unauthorized", 1700000060));
  ASSERT_EQ(lines.size(), 1u) << All(lines);
  EXPECT_NE(lines[0].text.find("0 update(s)"), std::string::npos) << lines[0].text;
}

}  // namespace
}  // namespace tgate::webhook
