// Calibration profiles shipped inside the binary (calibration/profiles/*.pbtxt, embedded at build
// time by scenarios/cmake/EmbedProfiles.cmake), so that every tool finds them from any directory.
#include <cstdio>
#include <cstdlib>

#include "embedded.hpp"
#include "stratum/scenarios/profile.hpp"

namespace stratum::scenarios {

std::vector<Profile> parse_embedded_profiles(std::span<const EmbeddedProfile> files, const Catalog& catalog) {
  std::vector<Profile> profiles;
  profiles.reserve(files.size());
  Diagnostics diags;
  std::vector<std::string> sources;  // file of each parsed profile, for the duplicate message
  for (const EmbeddedProfile& f : files) {
    const std::string file(f.file);
    std::optional<Profile> p = parse_profile(f.text, file, catalog, diags);
    if (!p) continue;
    for (size_t i = 0; i < profiles.size(); ++i) {
      if (profiles[i].header.gpu_id == p->header.gpu_id) {
        diags.error(SourceLocation{file, 0, 0}, "a second profile for GPU \"" + p->header.gpu_id + "\" (the first is " +
                                                    sources[i] + "); expected one profile per GPU");
      }
    }
    sources.push_back(file);
    profiles.push_back(std::move(*p));
  }
  if (!diags.ok()) {
    std::fprintf(stderr, "stratum: the built-in calibration profiles do not load (a build defect):\n%s",
                 diags.to_string().c_str());
    std::abort();
  }
  return profiles;
}

const std::vector<Profile>& builtin_profiles() {
  // Parsed once, on first use (thread-safe static initialisation).
  static const std::vector<Profile> profiles = parse_embedded_profiles(detail::kBuiltinProfiles, Catalog::builtin());
  return profiles;
}

const Profile* find_profile(const std::vector<Profile>& profiles, std::string_view gpu_id) {
  for (const Profile& p : profiles) {
    if (p.header.gpu_id == gpu_id) return &p;
  }
  return nullptr;
}

}  // namespace stratum::scenarios
