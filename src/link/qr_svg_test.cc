#include "link/qr_svg.h"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "core/testing.h"

namespace tgate::link {
namespace {

using Grid = std::vector<std::vector<bool>>;

// Reads the SVG's dark modules back into a grid of `size` x `size` (the
// quiet zone included), from the path QrSvg writes: "Mx yhNv1h-Nz" runs.
// Parsed by hand: std::regex recurses per character on a long path.
Grid ModulesOf(const std::string& svg, int size) {
  Grid g(size, std::vector<bool>(size, false));
  const std::string open = R"(<path fill="#000000" d=")";
  size_t begin = svg.find(open);
  EXPECT_NE(begin, std::string::npos);
  if (begin == std::string::npos) return g;
  begin += open.size();
  size_t end = svg.find('"', begin);
  std::string path = svg.substr(begin, end - begin);
  size_t pos = 0;
  while (pos < path.size()) {
    int x = 0, y = 0, n = 0, back = 0, used = 0;
    int got = std::sscanf(path.c_str() + pos, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &back, &used);
    EXPECT_EQ(got, 4) << "unexpected path command at " << pos << ": " << path.substr(pos, 20);
    if (got != 4 || used == 0) break;
    EXPECT_EQ(n, back);
    for (int i = 0; i < n; ++i) {
      EXPECT_LT(x + i, size);
      EXPECT_LT(y, size);
      if (x + i < size && y < size) g[y][x + i] = true;
    }
    pos += used;
  }
  return g;
}

int SizeOf(const std::string& svg) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, std::regex(R"(viewBox="0 0 (\d+) (\d+)\")")));
  EXPECT_EQ(m[1], m[2]);
  return std::stoi(m[1]);
}

TEST(QrSvg, IsAStandaloneSvgDocument) {
  auto svg = QrSvg("https://t.me/tgate_sandbox_bot?start=abc");
  ASSERT_OK(svg);
  EXPECT_EQ(svg->rfind(R"(<?xml version="1.0" encoding="UTF-8"?>)", 0), 0u);
  EXPECT_NE(svg->find(R"(<svg xmlns="http://www.w3.org/2000/svg")"), std::string::npos);
  EXPECT_NE(svg->find("</svg>"), std::string::npos);
  int size = SizeOf(*svg);
  std::string px = std::to_string(size * kQrModulePixels);
  EXPECT_NE(svg->find(R"(width=")" + px + R"(" height=")" + px + "\""), std::string::npos);
  // A white background under the whole symbol, quiet zone included.
  std::string sz = std::to_string(size);
  EXPECT_NE(svg->find(R"(<rect width=")" + sz + R"(" height=")" + sz + R"(" fill="#ffffff"/>)"),
            std::string::npos);
}

TEST(QrSvg, DrawsExactlyTheEncodersModulesInsideAQuietZone) {
  const std::string url = "https://t.me/tgate_sandbox_bot?start=Zx8_-Qm3pL0aW9vK2cR7tY5uI1oP4sD6fG8hJ0kLzX";
  auto svg = QrSvg(url);
  ASSERT_OK(svg);
  QRcode* code = QRcode_encodeString8bit(url.c_str(), 0, QR_ECLEVEL_M);
  ASSERT_NE(code, nullptr);
  const int w = code->width;
  const int size = SizeOf(*svg);
  ASSERT_EQ(size, w + 2 * kQrQuietZone);
  Grid g = ModulesOf(*svg, size);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      bool inside = x >= kQrQuietZone && y >= kQrQuietZone && x < kQrQuietZone + w && y < kQrQuietZone + w;
      bool want = inside && (code->data[(y - kQrQuietZone) * w + (x - kQrQuietZone)] & 1);
      ASSERT_EQ(g[y][x], want) << "module " << x << "," << y;
    }
  }
  QRcode_free(code);
  // The top-left finder pattern: a dark 7x7 ring around a 3x3 centre.
  const int q = kQrQuietZone;
  for (int i = 0; i < 7; ++i) {
    EXPECT_TRUE(g[q][q + i] && g[q + 6][q + i] && g[q + i][q] && g[q + i][q + 6]);
  }
  EXPECT_FALSE(g[q + 1][q + 1]);
  EXPECT_TRUE(g[q + 3][q + 3]);
}

TEST(QrSvg, LongerTextsMakeLargerSymbols) {
  auto small = QrSvg("https://t.me/b?start=x");
  auto large = QrSvg(std::string(500, 'a'));
  ASSERT_OK(small);
  ASSERT_OK(large);
  EXPECT_LT(SizeOf(*small), SizeOf(*large));
}

TEST(QrSvg, RefusesEmptyAndOversizedTexts) {
  EXPECT_EQ(QrSvg("").status().code(), Code::kInvalidArgument);
  auto huge = QrSvg(std::string(5000, 'x'));
  EXPECT_EQ(huge.status().code(), Code::kInvalidArgument);
  EXPECT_NE(huge.status().message().find("too long"), std::string::npos);
  EXPECT_EQ(QrSvg(std::string("a\0b", 3)).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tgate::link
