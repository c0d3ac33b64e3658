// `stratum topo`: the analysis is printed for every example cluster, exports are written and
// non-empty, and the exit codes follow `run` (1 invalid input, 2 usage).
#include <gtest/gtest.h>

#include <filesystem>

#include "../support/cli_runner.hpp"

namespace fs = std::filesystem;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

const std::string kExamples = STRATUM_SOURCE_DIR "/scenarios/examples/";

TEST(TopoCli, PrintsTheAnalysisOfOneNode) {
  const fs::path dir = scratch_dir("topo-dgx");
  const auto r = run_stratum("topo " + shell_quote(kExamples + "nccl_dgx_h100.pbtxt"), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("8 GPUs on 1 node, 0 NICs; fabric none"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("28 connected, 0 not; diameter 2 hops"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(TopoCli, PrintsTiersOfTheFatTreeAndExportsIt) {
  const fs::path dir = scratch_dir("topo-fat-tree");
  const auto r = run_stratum("topo " + shell_quote(kExamples + "nccl_fat_tree_h100.pbtxt") + " --dot " +
                                 shell_quote((dir / "c.dot").string()) + " --graphml " +
                                 shell_quote((dir / "c.graphml").string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("128 GPUs on 16 nodes, 128 NICs; fabric fat-tree"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("leaf"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("spine"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bisection bandwidth"), std::string::npos) << r.out;
  EXPECT_NE(read_file(dir / "c.dot").find("graph"), std::string::npos);
  EXPECT_NE(read_file(dir / "c.graphml").find("<graphml"), std::string::npos);
  fs::remove_all(dir);
}

TEST(TopoCli, ExitCodesFollowRun) {
  const fs::path dir = scratch_dir("topo-exit");
  EXPECT_EQ(run_stratum("topo", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("topo a.pbtxt b.pbtxt", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("run " + shell_quote(kExamples + "nccl_dgx_h100.pbtxt") + " --dot x.dot", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("topo " + shell_quote((dir / "missing.pbtxt").string()), dir).exit_code, 1);
  fs::remove_all(dir);
}

}  // namespace
