// The QR code of a deep link (POST /v1/links with "qr": "svg"), checked the
// way a phone would: the SVG tgate answers is rasterized by librsvg
// (rsvg-convert) and scanned by zbar (zbarimg); the decoded text must be the
// link, and pressing Start with it must link the user.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

// Runs `command` through the shell; its stdout, and its exit code in `code`.
std::string RunCommand(const std::string& command, int& code) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) {
    code = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = pclose(p);
  code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

class QrLink : public GatewayTest {
 protected:
  // The text zbar reads from `svg`, drawn to a PNG by librsvg.
  std::string Scan(const std::string& svg) {
    std::string svg_path = dir_ + "/link.svg", png_path = dir_ + "/link.png";
    std::ofstream(svg_path) << svg;
    int code = 0;
    RunCommand("rsvg-convert -b white -o '" + png_path + "' '" + svg_path + "' 2>&1", code);
    EXPECT_EQ(code, 0) << "rsvg-convert failed (scripts/install-deps.sh installs librsvg2-bin)";
    // zbarimg's stderr may carry noise (it tries D-Bus): kept apart from the text.
    std::string text = RunCommand("zbarimg --quiet --raw '" + png_path + "' 2>'" + dir_ + "/zbar.err'", code);
    EXPECT_EQ(code, 0) << "zbarimg found no code (scripts/install-deps.sh installs zbar-tools), see " << dir_
                       << "/zbar.err";
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }
};

TEST_F(QrLink, TheSvgScansBackToTheDeepLinkAndLinks) {
  StartEmulator();
  StartTgate();
  auto link = Api("POST", "/v1/links", R"({"user":"qr-user","qr":"svg"})");
  ASSERT_EQ(link.status, 201) << link.body;
  std::string svg = link.Str("qr_svg");
  ASSERT_EQ(svg.rfind("<?xml", 0), 0u) << svg;
  std::string url = link.Str("url");
  EXPECT_EQ(url, "https://t.me/tgate_sandbox_bot?start=" + link.Str("token"));
  std::string scanned = Scan(svg);
  ASSERT_EQ(scanned, url);

  // The phone opens the scanned link and presses Start.
  std::string token = scanned.substr(scanned.find("?start=") + 7);
  ASSERT_EQ(Emu("POST", "/control/start", R"({"user_id":7007,"payload":")" + token + R"("})").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Api("GET", "/v1/users/qr-user").status == 200; }));
  EXPECT_EQ(Api("GET", "/v1/users/qr-user").Int("chat_id"), 7007);
}

TEST_F(QrLink, WithoutQrTheAnswerHasNone) {
  StartEmulator();
  StartTgate();
  auto plain = Api("POST", "/v1/links", R"({"user":"no-qr"})");
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_FALSE(plain.obj().contains("qr_svg"));
  auto null_qr = Api("POST", "/v1/links", R"({"user":"no-qr","qr":null})");
  ASSERT_EQ(null_qr.status, 201) << null_qr.body;
  EXPECT_FALSE(null_qr.obj().contains("qr_svg"));
}

TEST_F(QrLink, AnotherFormatIsAClear400) {
  StartEmulator();
  StartTgate();
  for (const char* body : {R"({"user":"1","qr":"png"})", R"({"user":"1","qr":"SVG"})",
                           R"({"user":"1","qr":""})", R"({"user":"1","qr":true})"}) {
    auto a = Api("POST", "/v1/links", body);
    EXPECT_EQ(a.status, 400) << body << " -> " << a.body;
    ASSERT_TRUE(a.obj().contains("error")) << a.body;
    EXPECT_EQ(a.obj().at("error").at("code").as_string(), "invalid_argument");
    EXPECT_NE(a.obj().at("error").at("message").as_string().find("qr"), std::string::npos) << a.body;
  }
}

}  // namespace
}  // namespace tgate::itest
