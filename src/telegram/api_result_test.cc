#include "telegram/api_result.h"

#include <gtest/gtest.h>

#include <string>

namespace tgate::telegram {
namespace {

std::string Failure(int code, std::string_view description, std::string_view parameters = "") {
  std::string body = R"({"ok":false,"error_code":)";
  body.append(std::to_string(code)).append(R"(,"description":")").append(description).append("\"");
  if (!parameters.empty()) body.append(R"(,"parameters":)").append(parameters);
  body.push_back('}');
  return body;
}

struct Case {
  unsigned status;
  std::string body;
  ErrorKind kind;
};

// Telegram's exact texts (botapi-facts.md §5).
TEST(Classify, MapsTelegramFailuresToKinds) {
  const Case cases[] = {
      {403, Failure(403, "Forbidden: bot was blocked by the user"), ErrorKind::kBlocked},
      {403, Failure(403, "Forbidden: user is deactivated"), ErrorKind::kDeactivated},
      {403, Failure(403, "Forbidden: bot can't initiate conversation with a user"), ErrorKind::kForbidden},
      {403, Failure(403, "Forbidden: bot was kicked from the supergroup chat"), ErrorKind::kForbidden},
      {403, Failure(403, "Forbidden: bot is not a member of the channel chat"), ErrorKind::kForbidden},
      {400, Failure(400, "Bad Request: chat not found"), ErrorKind::kChatNotFound},
      {400, Failure(400, "Bad Request: private chat not found"), ErrorKind::kChatNotFound},
      {400, Failure(400, "Bad Request: message is too long"), ErrorKind::kBadRequest},
      {400,
       Failure(400, "Bad Request: can't parse entities: Unsupported start tag \\\"x\\\" at byte offset 0"),
       ErrorKind::kBadRequest},
      {400, Failure(400, "Bad Request: message text is empty"), ErrorKind::kBadRequest},
      {401, Failure(401, "Unauthorized"), ErrorKind::kUnauthorized},
      {401, Failure(401, "Unauthorized: invalid token specified"), ErrorKind::kUnauthorized},
      {404, Failure(404, "Not Found"), ErrorKind::kNotFound},
      {409,
       Failure(409,
               "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
               "running"),
       ErrorKind::kConflict},
      {500, Failure(500, "Internal Server Error: restart"), ErrorKind::kServerError},
      {502, "<html><body><h1>502 Bad Gateway</h1></body></html>", ErrorKind::kServerError},
      {200, "<html>captive portal</html>", ErrorKind::kServerError},
      {200, R"({"result":true})", ErrorKind::kServerError},  // no "ok"
      {200, "", ErrorKind::kServerError},
      {413, Failure(413, "Request Entity Too Large"), ErrorKind::kBadRequest},
  };
  for (const auto& c : cases) {
    ApiResult r = Classify(c.status, c.body);
    EXPECT_EQ(r.kind, c.kind) << c.body << " -> " << ToString(r.kind);
    EXPECT_EQ(r.http_status, c.status);
    EXPECT_FALSE(r.ok());
  }
}

TEST(Classify, OkCarriesResult) {
  ApiResult r = Classify(200, R"({"ok":true,"result":{"message_id":42,"chat":{"id":-1001}}})");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.kind, ErrorKind::kNone);
  EXPECT_EQ(r.result.at("message_id").as_int64(), 42);
  EXPECT_FALSE(r.transient());
  EXPECT_TRUE(Classify(200, R"({"ok":true,"result":true})").result.as_bool());
}

TEST(Classify, OkCarriesTheMessageIdEitherWay) {
  const std::string sent = R"({"ok":true,"result":{"message_id":42,"chat":{"id":-1001,"message_id":7}}})";
  ApiResult whole = Classify(200, sent);
  EXPECT_EQ(whole.message_id, 42);
  ApiResult lean = Classify(200, sent, -1, ResultUse::kMessageId);
  EXPECT_TRUE(lean.ok());
  EXPECT_EQ(lean.message_id, 42);
  EXPECT_TRUE(lean.result.is_null());  // no DOM built
}

// The SAX reading (ResultUse::kMessageId) classifies every answer as the DOM
// does: Telegram's, a proxy's, malformed ones, fields repeated or misplaced.
TEST(Classify, ReadingOnlyTheMessageIdClassifiesAsTheDomDoes) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  std::string long_text;
  for (int i = 0; i < 500; ++i) long_text += R"(Bad \"esc\" \u00e9\n )";
  const std::string bodies[] = {
      R"({"ok":true,"result":{"message_id":1,"from":{"id":1,"is_bot":true},"chat":{"id":5},"text":"hi"}})",
      R"({"ok":true,"result":[{"message_id":3},{"message_id":4}]})",  // an array: no message_id
      R"({"ok":true,"result":{"message_id":"9"}})",
      R"({"ok":true,"result":{"message_id":9.0}})",
      R"({"ok":true,"result":{"message_id":18446744073709551615}})",
      R"({"ok":true,"result":{"message_id":-5}})",
      R"({"ok":true,"result":{"nested":{"message_id":8}}})",
      R"({"ok":true,"message_id":8,"result":true})",
      R"({"result":{"message_id":1},"ok":true})",
      R"({"ok":true,"result":{"message_id":1},"result":{"message_id":2}})",  // repeated: the last
      R"({"ok":true,"result":{"message_id":1},"result":[]})",
      R"({"ok":false,"ok":true,"result":{"message_id":2}})",
      R"({"ok":true,"ok":"yes"})",
      R"({"ok":"true"})",
      R"({"ok":1})",
      R"({"result":{"ok":true}})",
      R"([{"ok":true}])",
      R"("ok")",
      R"({"ok":true} trailing)",
      R"({"ok":true,)",
      R"({"ok":true /* comment */})",
      " \n\t{\"ok\" : true , \"result\" : { \"message_id\" : 77 } }\n ",
      R"({"\u006fk":true,"r\u0065sult":{"message_\u0069d":78}})",
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}})",
      R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5"})",
      R"({"ok":false,"description":"x","parameters":{"retry_after":3},"parameters":{}})",
      R"({"ok":false,"description":"x","parameters":{"retry_after":3},"parameters":7})",
      R"({"ok":false,"description":"x","parameters":{"deep":{"retry_after":3}}})",
      R"({"ok":false,"description":"x","parameters":{"retry_after":3.5}})",
      R"({"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234}})",
      R"({"ok":false,"error_code":400,"description":"Bad Request: chat not found"})",
      R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user","description":7})",
      R"({"ok":false,"error_code":403,"description":{"text":"Forbidden: bot was blocked by the user"}})",
      R"({"ok":false,"error_code":"403","description":"Forbidden: bot was blocked by the user"})",
      R"({"ok":false,"error_code":403.0,"description":"Forbidden: user is deactivated"})",
      R"({"ok":false,"error_code":403,"description":"Forbidden: bot123456:ABCdefGhIjklMnopQRstuvWXyz0123456789a was blocked"})",
      R"({"ok":false,"description":")" + long_text + R"("})",
      "{\"ok\":true,\"result\":" + deep + "}",
      "<html><body>502</body></html>",
      "",
      "{}",
      "null",
  };
  for (const unsigned status : {200u, 400u, 403u, 429u, 502u}) {
    for (const std::string& body : bodies) {
      for (const int header : {-1, 9}) {
        const ApiResult whole = Classify(status, body, header);
        const ApiResult lean = Classify(status, body, header, ResultUse::kMessageId);
        EXPECT_EQ(lean.kind, whole.kind) << status << " " << body;
        EXPECT_EQ(lean.http_status, whole.http_status) << body;
        EXPECT_EQ(lean.description, whole.description) << body;
        EXPECT_EQ(lean.retry_after, whole.retry_after) << body;
        EXPECT_EQ(lean.migrate_to_chat_id, whole.migrate_to_chat_id) << body;
        EXPECT_EQ(lean.message_id, whole.message_id) << body;
      }
    }
  }
  // And what the DOM makes of the repeated and misplaced ones.
  EXPECT_EQ(Classify(200, bodies[9]).message_id, 2);
  EXPECT_EQ(Classify(200, bodies[1]).message_id, 0);
  EXPECT_EQ(Classify(200, bodies[6]).message_id, 0);
  EXPECT_EQ(Classify(200, bodies[22]).message_id, 78);
  EXPECT_EQ(Classify(200, bodies[21]).message_id, 77);
  EXPECT_EQ(Classify(200, bodies[4]).message_id, 0);
  EXPECT_EQ(Classify(200, bodies[5]).message_id, -5);
}

// Reading only the message_id does not check the echoed text's UTF-8: a
// success whose strings hold a bad byte is still a success (a server error
// would resend a message that went out). Anything it would keep is checked.
TEST(Classify, ReadingOnlyTheMessageIdTakesASuccessWithBytesThatAreNotUtf8) {
  const std::string bad_text = "{\"ok\":true,\"result\":{\"message_id\":5,\"text\":\"caf\xe9 \xff\"}}";
  const std::string bad_key = "{\"ok\":true,\"result\":{\"\xc3\":1,\"message_id\":6}}";
  for (const std::string& body : {bad_text, bad_key}) {
    const ApiResult lean = Classify(200, body, -1, ResultUse::kMessageId);
    EXPECT_TRUE(lean.ok()) << body;
    EXPECT_EQ(lean.message_id, body == bad_text ? 5 : 6);
    EXPECT_EQ(Classify(200, body).kind, ErrorKind::kServerError);  // no DOM of bytes that are not UTF-8
  }
  // A description is kept, so a success with one, and every failure, is read as the DOM reads it.
  const std::string bad_description = "{\"ok\":true,\"description\":\"\xff\",\"result\":{\"message_id\":5}}";
  const std::string bad_failure = "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: \xff\"}";
  const std::string valid_text =
      "{\"ok\":true,\"result\":{\"message_id\":7,\"text\":\"\xd1\x8f \xe2\x82\xac\"}}";
  for (const std::string& body : {bad_description, bad_failure}) {
    const ApiResult lean = Classify(403, body, -1, ResultUse::kMessageId);
    EXPECT_EQ(lean.kind, ErrorKind::kServerError) << body;
    EXPECT_EQ(lean.description, Classify(403, body).description);
  }
  EXPECT_EQ(Classify(200, valid_text, -1, ResultUse::kMessageId).message_id, 7);
  EXPECT_EQ(Classify(200, valid_text).message_id, 7);
}

TEST(Classify, TooManyRequestsTakesRetryAfterFromParameters) {
  ApiResult r =
      Classify(429, Failure(429, "Too Many Requests: retry after 10072", R"({"retry_after":10072})"), 5);
  EXPECT_EQ(r.kind, ErrorKind::kRetryAfter);
  EXPECT_EQ(r.retry_after, 10072);
  EXPECT_TRUE(r.transient());
  EXPECT_EQ(r.description, "Too Many Requests: retry after 10072");
}

TEST(Classify, TooManyRequestsFallsBackToHeaderThenTextThenOneSecond) {
  EXPECT_EQ(Classify(429, Failure(429, "Too Many Requests: retry after 7"), 3).retry_after, 3);
  EXPECT_EQ(Classify(429, Failure(429, "Too Many Requests: retry after 7")).retry_after, 7);
  EXPECT_EQ(Classify(429, Failure(429, "Too Many Requests")).retry_after, 1);
  ApiResult proxy = Classify(429, "<html>slow down</html>", 30);
  EXPECT_EQ(proxy.kind, ErrorKind::kRetryAfter);
  EXPECT_EQ(proxy.retry_after, 30);
}

TEST(Classify, MigratedGroupCarriesNewChatId) {
  ApiResult r = Classify(400, Failure(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                      R"({"migrate_to_chat_id":-1001234567890123})"));
  EXPECT_EQ(r.kind, ErrorKind::kMigrated);
  EXPECT_EQ(r.migrate_to_chat_id, -1001234567890123);
  EXPECT_FALSE(r.transient());
}

TEST(Classify, UsesErrorCodeOnlyWhenStatusIsNotAnError) {
  EXPECT_EQ(Classify(200, Failure(403, "Forbidden: bot was blocked by the user")).kind, ErrorKind::kBlocked);
  EXPECT_EQ(Classify(0, Failure(401, "Unauthorized")).kind, ErrorKind::kUnauthorized);
}

TEST(Classify, RedactsTokensInDescriptions) {
  ApiResult r = Classify(404, Failure(404, "Not Found: bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x"));
  EXPECT_EQ(r.description, "Not Found: bot110201543:***/x");
}

TEST(NetworkFailure, IsTransientWithoutHttpStatusAndRedacted) {
  ApiResult r =
      NetworkFailure("connect to api.telegram.org:443 failed for 123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11");
  EXPECT_EQ(r.kind, ErrorKind::kNetwork);
  EXPECT_EQ(r.http_status, 0u);
  EXPECT_TRUE(r.transient());
  EXPECT_EQ(r.description.find("ABC-DEF"), std::string::npos);
}

TEST(ErrorKindToString, NamesEveryKind) {
  EXPECT_EQ(ToString(ErrorKind::kNone), "ok");
  EXPECT_EQ(ToString(ErrorKind::kRetryAfter), "retry_after");
  EXPECT_EQ(ToString(ErrorKind::kChatNotFound), "chat_not_found");
  EXPECT_EQ(ToString(ErrorKind::kNetwork), "network");
  for (int k = 0; k <= static_cast<int>(ErrorKind::kNetwork); ++k) {
    EXPECT_NE(ToString(static_cast<ErrorKind>(k)), "unknown");
  }
}

}  // namespace
}  // namespace tgate::telegram
