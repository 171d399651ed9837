// QR code as SVG: a text (a deep link) encoded with libqrencode and drawn as
// a standalone SVG document, quiet zone included, that a site can inline in
// a page or serve as image/svg+xml so a desktop user can scan the link with a
// phone. Not a general QR library: byte mode, error correction level M,
// black on white, one fixed size per module; no raster formats.
// Threading: a pure function, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace tgate::link {

// Modules of white margin around the symbol (the QR spec's minimum).
inline constexpr int kQrQuietZone = 4;
// Size of one module in the SVG's width/height (user units are modules).
inline constexpr int kQrModulePixels = 8;

// The SVG document for `text`. InvalidArgument if `text` is empty or too long
// for a QR code (about 2,300 bytes at level M).
Result<std::string> QrSvg(std::string_view text);

}  // namespace tgate::link
