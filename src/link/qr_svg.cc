#include "link/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>
#include <string>

namespace tgate::link {

namespace {

struct QrcodeFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("cannot make a QR code of an empty text");
  // libqrencode wants a NUL-terminated string; byte mode keeps the URL as is
  // (case and all), level M survives a smudge without making the code dense.
  std::string input(text);
  if (input.find('\0') != std::string::npos) {
    return Status::InvalidArgument("cannot make a QR code of a text with a NUL byte");
  }
  errno = 0;
  std::unique_ptr<QRcode, QrcodeFree> code(QRcode_encodeString8bit(input.c_str(), 0, QR_ECLEVEL_M));
  if (!code) {
    if (errno == ERANGE) return Status::InvalidArgument("the text is too long for a QR code");
    return Status::Internal("libqrencode could not encode the text");
  }
  const int width = code->width;
  const int size = width + 2 * kQrQuietZone;
  const std::string px = std::to_string(size * kQrModulePixels);
  const std::string sz = std::to_string(size);

  std::string svg;
  svg.reserve(static_cast<size_t>(width) * width * 6 + 400);
  svg += R"(<?xml version="1.0" encoding="UTF-8"?>)";
  svg += "\n";
  svg += R"(<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width=")" + px + R"(" height=")" + px +
         R"(" viewBox="0 0 )" + sz + " " + sz + R"(" shape-rendering="crispEdges">)";
  // The background covers the quiet zone: scanners need light around the code
  // even on a dark page.
  svg += R"(<rect width=")" + sz + R"(" height=")" + sz + R"(" fill="#ffffff"/>)";
  svg += R"(<path fill="#000000" d=")";
  // One path, each row's runs of dark modules as rectangles: compact and
  // free of seams between neighbouring modules.
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if (!(code->data[y * width + x] & 1)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (code->data[y * width + x + run] & 1)) ++run;
      svg += "M" + std::to_string(x + kQrQuietZone) + " " + std::to_string(y + kQrQuietZone) + "h" +
             std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  svg += R"("/></svg>)";
  svg += "\n";
  return svg;
}

}  // namespace tgate::link
