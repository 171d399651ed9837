#include "http/response_parser.h"

#include <charconv>
#include <string_view>

namespace tgate::http {

namespace {

// Retry-After in seconds (the HTTP-date form is not one Telegram sends): -1
// when it is anything else.
int ParseRetryAfter(std::string_view v) {
  int seconds = -1;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || ptr != v.data() + v.size() || seconds < 0) return -1;
  return seconds;
}

}  // namespace

ResponseParser::ResponseParser(uint64_t limit) { body_limit(limit); }

ClientResponse ResponseParser::Take() { return std::move(response_); }

void ResponseParser::on_response_impl(int code, beast::string_view, int, boost::system::error_code&) {
  response_.status = static_cast<unsigned>(code);
}

void ResponseParser::on_field_impl(bhttp::field name, beast::string_view, beast::string_view value,
                                   boost::system::error_code&) {
  // The first of a repeated header counts, as a lookup in the whole header would find.
  if (name == bhttp::field::content_type && !content_type_seen_) {
    content_type_seen_ = true;
    response_.content_type.assign(value.data(), value.size());
  } else if (name == bhttp::field::retry_after && !retry_after_seen_) {
    retry_after_seen_ = true;
    response_.retry_after = ParseRetryAfter(std::string_view(value.data(), value.size()));
  }
}

void ResponseParser::on_header_impl(boost::system::error_code&) {}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                       boost::system::error_code&) {
  // basic_parser has already refused a Content-Length over the limit.
  if (content_length) response_.body.reserve(static_cast<size_t>(*content_length));
}

std::size_t ResponseParser::on_body_impl(beast::string_view body, boost::system::error_code&) {
  response_.body.append(body.data(), body.size());
  return body.size();
}

void ResponseParser::on_chunk_header_impl(std::uint64_t, beast::string_view, boost::system::error_code&) {}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                               boost::system::error_code&) {
  response_.body.append(body.data(), body.size());
  return body.size();
}

void ResponseParser::on_finish_impl(boost::system::error_code&) {}

}  // namespace tgate::http
