// GET /openapi.json on the real binary: the document in the repository
// (api/openapi.json), byte for byte, as JSON, without the API key.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/gateway_fixture.h"

namespace tgate::itest {
namespace {

class OpenApi : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    StartEmulator();
    StartTgate();
  }
};

TEST_F(OpenApi, ServesTheRepositorysDocument) {
  std::ifstream in(std::string(TGATE_SOURCE_DIR) + "/api/openapi.json", std::ios::binary);
  ASSERT_TRUE(in);
  std::stringstream file;
  file << in.rdbuf();
  auto a = TgateCall(tgate_port_, "GET", "/openapi.json");
  ASSERT_EQ(a.status, 200) << a.error;
  EXPECT_EQ(a.content_type.rfind("application/json", 0), 0u) << a.content_type;
  EXPECT_EQ(a.body, file.str());
  EXPECT_EQ(a.obj().at("openapi").as_string(), "3.1.0");
}

}  // namespace
}  // namespace tgate::itest
