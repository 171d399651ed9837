#include "http/request_head.h"

#include <gtest/gtest.h>

#include "core/testing.h"

namespace tgate::http {
namespace {

TEST(RequestHead, PostWithBodyHasHostTypeAndLength) {
  auto head = RequestHead({.method = bhttp::verb::post,
                           .target = "/bot1:x/sendMessage",
                           .host = "127.0.0.1:8081",
                           .content_type = "application/json",
                           .content_length = 27});
  ASSERT_OK(head);
  EXPECT_EQ(*head,
            "POST /bot1:x/sendMessage HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n"
            "Content-Type: application/json\r\nContent-Length: 27\r\n\r\n");
}

TEST(RequestHead, GetWithoutBodyHasNoLengthOrTypeAndExtraHeadersFollow) {
  std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer k"}, {"X-Empty", ""}};
  auto head = RequestHead({.method = bhttp::verb::get,
                           .target = "/a?b=1",
                           .host = "h",
                           .content_type = "",
                           .content_length = 0,
                           .headers = &headers});
  ASSERT_OK(head);
  EXPECT_EQ(*head, "GET /a?b=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer k\r\n\r\n");
}

TEST(RequestHead, EmptyPostStillSaysContentLengthZero) {
  auto head = RequestHead(
      {.method = bhttp::verb::post, .target = "/x", .host = "h", .content_type = "", .content_length = 0});
  ASSERT_OK(head);
  EXPECT_NE(head->find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(RequestHead, LineBreaksInHeadersAreRefused) {
  std::vector<std::pair<std::string, std::string>> bad_value{{"X-Sig", "a\r\nX-Evil: 1"}};
  std::vector<std::pair<std::string, std::string>> bad_name{{"X Sig", "a"}};
  std::vector<std::pair<std::string, std::string>> colon_name{{"X:Sig", "a"}};
  for (auto* h : {&bad_value, &bad_name, &colon_name}) {
    auto head = RequestHead({.method = bhttp::verb::post,
                             .target = "/x",
                             .host = "h",
                             .content_type = "",
                             .content_length = 0,
                             .headers = h});
    EXPECT_EQ(head.status().code(), Code::kInvalidArgument);
  }
  RequestHeadFields bad_type{.target = "/x",
                             .host = "h",
                             .content_type = "text/plain\nX: 1",
                             .content_length = 0,
                             .headers = nullptr};
  EXPECT_EQ(RequestHead(bad_type).status().code(), Code::kInvalidArgument);
  RequestHeadFields bad_host{.target = "/x",
                             .host = std::string_view("h\0", 2),
                             .content_type = "",
                             .content_length = 0,
                             .headers = nullptr};
  EXPECT_EQ(RequestHead(bad_host).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace tgate::http
