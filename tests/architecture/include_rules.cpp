#include "include_rules.hpp"

#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace stratum::architecture {
namespace {

// Which stratum folders each folder may include (its own included).
const std::map<std::string, std::set<std::string>>& allowed_stratum_deps() {
  static const std::map<std::string, std::set<std::string>> deps = {
      {"scenarios", {"scenarios"}},
      {"topology", {"scenarios", "topology"}},
      {"calibration", {"scenarios", "calibration"}},
      {"policies", {"scenarios", "calibration", "policies"}},
      {"sim", {"scenarios", "topology", "calibration", "policies", "sim"}},
      {"kernels", {"scenarios", "calibration", "kernels"}},
      {"gui", {"scenarios", "gui"}},
  };
  return deps;
}

std::string top_folder(const std::string& path) { return path.substr(0, path.find('/')); }

// tests/<folder>/... is held to the rules of <folder>, plus test-only code of its own.
std::string owner_of(const std::string& file) {
  std::string folder = top_folder(file);
  if (folder == "tests") {
    const std::string rest = file.substr(6);
    folder = top_folder(rest);
  }
  return folder;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::vector<Violation> check_includes(const std::string& file, const std::string& text) {
  static const std::regex include_re(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::vector<Violation> out;
  const std::string owner = owner_of(file);
  const bool is_test = starts_with(file, "tests/");
  const auto& deps = allowed_stratum_deps();
  const auto allowed = deps.find(owner);
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (!std::regex_search(line, m, include_re)) continue;
    const std::string inc = m[1];
    auto flag = [&](const std::string& rule) { out.push_back({file, n, inc, rule}); };
    if ((starts_with(inc, "simgrid/") || starts_with(inc, "xbt/") || starts_with(inc, "xbt.h")) && owner != "sim") {
      flag("SimGrid is included only in sim/");
    }
    if ((starts_with(inc, "cuda") || starts_with(inc, "cublas") || starts_with(inc, "nccl") ||
         starts_with(inc, "cuda_runtime")) &&
        owner != "kernels") {
      flag("CUDA is included only in kernels/");
    }
    const bool protobuf = starts_with(inc, "google/protobuf/") || inc.find(".pb.h") != std::string::npos;
    if (protobuf && !(owner == "scenarios" && (starts_with(file, "scenarios/src/") || is_test))) {
      flag("protobuf types never leave scenarios/src (public headers hand out plain structs)");
    }
    // "stratum/<folder>/header.hpp" is a project header; "stratum/x.pb.h" is generated protobuf.
    if (starts_with(inc, "stratum/") && inc.find('/', 8) != std::string::npos && allowed != deps.end()) {
      const std::string dep = top_folder(inc.substr(8));
      if (!allowed->second.count(dep)) flag(owner + "/ may not depend on " + dep + "/ (DESIGN.md section 1)");
    }
  }
  return out;
}

}  // namespace stratum::architecture
