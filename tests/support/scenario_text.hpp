#pragma once
// Loads a scenario written inline in a test: the text goes to a file under the system temp folder
// (the loader reads files, and its messages name them), and the diagnostics come back with that
// path replaced by "F" so expectations read "F:4:13: error: ...".
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "stratum/scenarios/loader.hpp"

namespace stratum::testing {

inline std::string write_temp_scenario(const std::string& folder, const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / folder;
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The loader's report on `text` (empty when it loads); `out`, if given, receives the scenario.
inline std::string load_errors(const std::string& folder, const std::string& name, const std::string& text,
                               std::optional<scenarios::Scenario>* out = nullptr) {
  const std::string path = write_temp_scenario(folder, name, text);
  scenarios::Diagnostics diags;
  std::optional<scenarios::Scenario> s = scenarios::load_scenario(path, {}, scenarios::Catalog::builtin(), diags);
  if (out != nullptr) *out = std::move(s);
  std::string report = diags.to_string();
  for (size_t at; (at = report.find(path)) != std::string::npos;) report.replace(at, path.size(), "F");
  return report;
}

}  // namespace stratum::testing
