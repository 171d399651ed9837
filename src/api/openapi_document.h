// OpenApiDocument: the site API's OpenAPI 3.1 contract (api/openapi.json at
// the repository's root), embedded in the binary at build time byte for byte
// and served at GET /openapi.json. The file is the source; this is a copy, not
// a generator: routes and schemas are written by hand and held true by tests
// (src/api/openapi_routes_test.cc, api/check_openapi.py).
#pragma once

#include <string_view>

namespace tgate::api {

std::string_view OpenApiDocument();

}  // namespace tgate::api
