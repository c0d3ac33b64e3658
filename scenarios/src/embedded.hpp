#pragma once
// Private to scenarios/: catalogue files compiled into the library (generated at build time by
// scenarios/cmake/EmbedText.cmake from scenarios/catalog/*.pbtxt).
#include <string_view>

namespace stratum::scenarios::detail {

extern const std::string_view kGpusPbtxt;
extern const std::string_view kModelsPbtxt;

}  // namespace stratum::scenarios::detail
