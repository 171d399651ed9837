// multipart/form-data encoding (see multipart.h).
#include "telegram/multipart.h"

#include "core/random.h"

namespace tgate::telegram {
namespace {

// A header parameter value: quotes and line breaks would end the header.
std::string QuoteSafe(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "%22";
    else if (c == '\r' || c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

bool BoundaryOccursIn(const std::string& boundary, const std::vector<FormPart>& parts) {
  for (const auto& p : parts) {
    if (p.value.find(boundary) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string PickBoundary(const std::vector<FormPart>& parts) {
  // 144 random bits: a clash with the content is practically impossible, but
  // checking is cheap and makes it certain.
  std::string boundary;
  do {
    boundary = "tgate-" + RandomBase64Url(18);
  } while (BoundaryOccursIn(boundary, parts));
  return boundary;
}

std::string MultipartBody(const std::vector<FormPart>& parts, const std::string& boundary) {
  std::string body;
  for (const FormPart& p : parts) {
    body.append("--").append(boundary).append("\r\n");
    body.append("Content-Disposition: form-data; name=\"").append(QuoteSafe(p.name)).append("\"");
    if (!p.filename.empty()) {
      body.append("; filename=\"").append(QuoteSafe(p.filename)).append("\"\r\n");
      body.append("Content-Type: ")
          .append(p.content_type.empty() ? "application/octet-stream" : QuoteSafe(p.content_type))
          .append("\r\n");
    } else {
      body.append("\r\n");
    }
    body.append("\r\n").append(p.value).append("\r\n");
  }
  body.append("--").append(boundary).append("--\r\n");
  return body;
}

}  // namespace tgate::telegram
