// Reading a JSON request body and its fields with errors a site developer can
// act on ("field 'text' must be a string"). Bodies must be one JSON object in
// valid UTF-8; unknown fields are refused so typos do not pass silently.
// Not validation of meaning (see message_request.h).
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace tgate::api {

// Parses the body as a JSON object. InvalidArgument if empty, not JSON, not
// UTF-8 or not an object.
Result<boost::json::object> ParseJsonObject(const http::Request& req);

// InvalidArgument naming the first field not in `allowed`.
Status CheckFields(const boost::json::object& o, std::initializer_list<std::string_view> allowed);

// Optional typed fields: nullopt if absent (or null), error if of another type.
Result<std::optional<std::string>> OptString(const boost::json::object& o, std::string_view key);
Result<std::optional<int64_t>> OptInt(const boost::json::object& o, std::string_view key);
Result<std::optional<bool>> OptBool(const boost::json::object& o, std::string_view key);

// A resource id from the path ("/v1/messages/{id}"): a positive integer.
// InvalidArgument naming `what` otherwise.
Result<int64_t> ParsePositiveId(std::string_view text, std::string_view what);

// A site user id: 1-128 bytes.
Status CheckUserId(std::string_view user);

}  // namespace tgate::api
