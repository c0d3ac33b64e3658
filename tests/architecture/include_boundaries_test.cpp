// Enforces DESIGN.md section 1's dependency direction over the whole source tree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "include_rules.hpp"

namespace fs = std::filesystem;
using stratum::architecture::check_includes;

TEST(IncludeRules, FlagsSimgridOutsideSim) {
  EXPECT_EQ(check_includes("calibration/src/a.cpp", "#include <simgrid/s4u.hpp>\n").size(), 1u);
  EXPECT_TRUE(check_includes("sim/src/a.cpp", "#include <simgrid/s4u.hpp>\n").empty());
  EXPECT_TRUE(check_includes("tests/sim/a_test.cpp", "#include <simgrid/s4u.hpp>\n").empty());
}

TEST(IncludeRules, FlagsCudaOutsideKernels) {
  EXPECT_EQ(check_includes("sim/src/a.cpp", "#include <cuda_runtime.h>\n").size(), 1u);
  EXPECT_EQ(check_includes("policies/src/a.cpp", "  #  include \"cublas_v2.h\"\n").size(), 1u);
  EXPECT_TRUE(check_includes("kernels/src/gemm.cu", "#include <cublas_v2.h>\n").empty());
}

TEST(IncludeRules, FlagsProtobufOutsideScenariosSources) {
  EXPECT_EQ(check_includes("sim/src/a.cpp", "#include <google/protobuf/text_format.h>\n").size(), 1u);
  EXPECT_EQ(check_includes("scenarios/include/stratum/scenarios/x.hpp", "#include \"scenario.pb.h\"\n").size(), 1u);
  EXPECT_TRUE(check_includes("scenarios/src/loader.cpp", "#include \"stratum/scenario.pb.h\"\n").empty());
}

TEST(IncludeRules, FlagsUpwardDependencies) {
  EXPECT_EQ(check_includes("calibration/src/a.cpp", "#include \"stratum/policies/batching.hpp\"\n").size(), 1u);
  EXPECT_EQ(check_includes("scenarios/src/a.cpp", "#include \"stratum/sim/metrics.hpp\"\n").size(), 1u);
  EXPECT_EQ(check_includes("gui/src/a.cpp", "#include \"stratum/sim/metrics.hpp\"\n").size(), 1u);
  EXPECT_TRUE(check_includes("policies/src/a.cpp", "#include \"stratum/calibration/memory.hpp\"\n").empty());
}

TEST(IncludeBoundaries, WholeTreeFollowsTheRules) {
  const fs::path root = STRATUM_SOURCE_DIR;
  int files = 0;
  std::ostringstream report;
  for (const char* top : {"scenarios", "topology", "calibration", "policies", "sim", "kernels", "gui", "tests"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || !(ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".cu" || ext == ".cuh")) {
        continue;
      }
      const std::string rel = fs::relative(entry.path(), root).generic_string();
      if (rel.rfind("tests/architecture/", 0) == 0) continue;  // this checker quotes forbidden includes
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      ++files;
      for (const auto& v : check_includes(rel, text.str())) {
        report << v.file << ":" << v.line << ": includes <" << v.include << ">: " << v.rule << "\n";
      }
    }
  }
  EXPECT_GT(files, 20);
  EXPECT_EQ(report.str(), "");
}
