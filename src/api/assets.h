// Files compiled into the binary by cmake/embed.cmake (see CMakeLists.txt).
#pragma once

#include <string_view>

namespace metrify::assets {
extern const std::string_view kOpenapiJson;  // src/api/assets/openapi.json
extern const std::string_view kDocsHtml;     // src/api/assets/docs.html
}  // namespace metrify::assets
