#include "scenario_profiles.hpp"

#include <filesystem>

namespace stratum::scenarios::detail {

void load_scenario_profiles(const pb::Scenario& msg, const Catalog& catalog, Checker& c, Scenario& out) {
  std::vector<std::string> fields;  // "profile[i] \"path\"" of each loaded profile, for messages
  for (int i = 0; i < msg.profile_size(); ++i) {
    const std::string p = "profile[" + std::to_string(i) + "]";
    const std::string& given = msg.profile(i);
    if (given.empty()) {
      c.missing(p, "a calibration profile file relative to the scenario file");
      continue;
    }
    // Relative paths resolve against the scenario file's directory, as trace paths do, so a
    // scenario runs the same from any working directory.
    std::filesystem::path path(given);
    if (path.is_relative()) path = std::filesystem::path(out.file).parent_path() / path;
    const std::string resolved = path.lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(resolved, ec)) {
      c.error(p, p + " \"" + given + "\": no such file \"" + resolved +
                     "\"; expected a calibration profile (paths are relative to the scenario file's directory)");
      continue;
    }
    std::optional<Profile> profile = load_profile(resolved, catalog, c.diags());
    if (!profile) continue;
    const std::string field = p + " \"" + given + "\"";
    bool duplicate = false;
    for (size_t k = 0; k < out.profiles.size() && !duplicate; ++k) {
      if (out.profiles[k].header.gpu_id != profile->header.gpu_id) continue;
      c.error(p, field + " is a second profile for GPU \"" + profile->header.gpu_id + "\" (" + fields[k] +
                     " is the first); expected at most one profile per GPU id");
      duplicate = true;
    }
    if (duplicate) continue;
    fields.push_back(field);
    out.profiles.push_back(std::move(*profile));
  }
  // Built-in profiles fill in for the cluster's GPUs that the scenario did not profile itself.
  for (const NodeGroup& g : out.cluster.nodes) {
    if (g.gpu.id.empty() || find_profile(out.profiles, g.gpu.id) != nullptr) continue;
    if (const Profile* builtin = find_profile(builtin_profiles(), g.gpu.id)) out.profiles.push_back(*builtin);
  }
}

}  // namespace stratum::scenarios::detail
