#pragma once
// Private to scenarios/: catalogue files and calibration profiles compiled into the library
// (generated at build time by scenarios/cmake/EmbedText.cmake from scenarios/catalog/*.pbtxt and
// by scenarios/cmake/EmbedProfiles.cmake from calibration/profiles/*.pbtxt).
#include <span>
#include <string_view>

#include "stratum/scenarios/profile.hpp"

namespace stratum::scenarios::detail {

extern const std::string_view kGpusPbtxt;
extern const std::string_view kModelsPbtxt;
// One entry per calibration/profiles/*.pbtxt, sorted by path; empty when there are none.
extern const std::span<const EmbeddedProfile> kBuiltinProfiles;

}  // namespace stratum::scenarios::detail
