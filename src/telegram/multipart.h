// multipart/form-data bodies (RFC 7578) for Bot API uploads such as
// setWebhook's certificate. Encoding only: no parsing, no streaming (the
// parts are small). Pure functions apart from PickBoundary's randomness.
#pragma once

#include <string>
#include <vector>

#include "telegram/bot_api.h"

namespace tgate::telegram {

// A random boundary ("tgate-" + 24 base64url chars) that occurs in no part.
std::string PickBoundary(const std::vector<FormPart>& parts);

// The body for `parts` delimited by `boundary`. Parts with a filename are sent
// as files with their content_type (application/octet-stream if empty).
// Quotes and line breaks in names are neutralised so they cannot end a header.
std::string MultipartBody(const std::vector<FormPart>& parts, const std::string& boundary);

}  // namespace tgate::telegram
