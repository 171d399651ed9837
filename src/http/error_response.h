// ErrorResponse: the one JSON error shape every tgate endpoint answers with,
// {"error":{"code":"<machine word>","message":"<what is wrong>"}}, with the
// HTTP status that fits the Status code (core/status.h). Messages must say
// what to do and never contain a secret.
#pragma once

#include "core/status.h"
#include "http/message.h"

namespace tgate::http {

Response ErrorResponse(const Request& req, const Status& status);

}  // namespace tgate::http
