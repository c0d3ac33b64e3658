// The training workload's run (issue 7, sim/src/training_run.cpp): layout problems at their field,
// out-of-memory with its term and shortfall, which links each parallel group crosses, and the run
// agreeing with calibration::estimate_training_step on those links, deterministically.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "stratum/calibration/cost_model_factory.hpp"
#include "stratum/scenarios/loader.hpp"
#include "stratum/sim/training_run.hpp"

namespace stratum::sim {
namespace {

using scenarios::Diagnostics;
using scenarios::Scenario;

std::string write_temp(const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-training-run-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// `nodes` DGX A100 nodes (8 GPUs, one 200 Gb/s NIC per GPU) on a fat-tree, then `training`.
std::string cluster(int nodes, bool fabric = true) {
  return "cluster {\n"
         "  nodes { id: \"dgx\" count: " + std::to_string(nodes) +
         " gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 nics { per_gpu {} bandwidth: \"200 Gb/s\" } }\n" +
         (fabric ? "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n"
                 : "") +
         "}\n";
}

// Loads (expecting no loader error) and runs check_training; the report with the path as F.
std::string checked(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  const std::string path = write_temp(name, text);
  Diagnostics diags;
  std::optional<Scenario> s = scenarios::load_scenario(path, {}, scenarios::Catalog::builtin(), diags);
  EXPECT_TRUE(s.has_value()) << diags.to_string();
  if (!s) return "load failed";
  check_training(*s, diags);
  if (out != nullptr) *out = std::move(s);
  std::string report = diags.to_string();
  for (size_t at; (at = report.find(path)) != std::string::npos;) report.replace(at, path.size(), "F");
  return report;
}

TEST(TrainingCheck, DegreesMustMultiplyToTheGpuCount) {
  EXPECT_EQ(checked("degrees.pbtxt", cluster(2) + "training {\n"
                                                  "  model: \"llama-3.1-8b\" global_batch: 32\n"
                                                  "  layout { dp: 4 tp: 2 }\n"
                                                  "}\n"),
            "F:7:3: error: tp x pp x cp x dp = 2 x 1 x 1 x 4 = 8 GPUs, but the cluster has 16; expected the "
            "parallel degrees to multiply to the GPU count\n");
}

TEST(TrainingCheck, BatchAndVirtualStagesAtTheirFields) {
  EXPECT_EQ(checked("divide.pbtxt", cluster(2) + "training {\n"
                                                 "  model: \"llama-3.1-8b\" global_batch: 31\n"
                                                 "  layout { dp: 2 tp: 8 virtual_stages: 2 }\n"
                                                 "}\n"),
            "F:6:25: error: global_batch 31 is not divisible by dp x micro_batch = 2 x 1 = 2; expected a whole "
            "number of micro-batches per data-parallel rank\n"
            "F:7:24: error: virtual_stages is 2 but the schedule is 1f1b; expected virtual_stages 1, or the "
            "interleaved schedule\n");
}

TEST(TrainingCheck, HeadsNotDivisibleByTpAtTp) {
  EXPECT_EQ(checked("heads.pbtxt", cluster(2) + "training {\n"
                                                "  model: \"qwen2.5-7b\" global_batch: 16\n"
                                                "  layout { dp: 2 tp: 8 }\n"
                                                "}\n"),
            "F:7:18: error: model 'qwen2.5-7b' has 28 attention heads, not divisible by tp 8; expected tp to divide "
            "the head count\n"
            "F:7:18: error: model 'qwen2.5-7b' has 4 key/value heads, not divisible by tp 8; expected tp to divide "
            "the key/value head count\n");
}

TEST(TrainingCheck, OutOfMemorySaysWhichTermAndByHowMuch) {
  std::optional<Scenario> s;
  const std::string report = checked("oom.pbtxt", cluster(1) + "training {\n"
                                                               "  model: \"llama-3.1-70b\" global_batch: 8\n"
                                                               "  layout { dp: 8 }\n"
                                                               "}\n",
                                     &s);
  ASSERT_TRUE(s.has_value());
  const calibration::TrainingMemory m =
      calibration::training_memory(s->training->model, s->cluster.nodes[0].gpu, training_layout(*s->training));
  ASSERT_FALSE(m.fits());
  EXPECT_EQ(report, "F:7:3: error: llama-3.1-70b with this layout: " + m.verdict() +
                        "; expected more tensor or pipeline parallelism, a higher zero_stage, recomputation, a "
                        "smaller micro_batch, or a GPU with more memory\n");
  EXPECT_NE(report.find("the largest term is optimizer"), std::string::npos) << report;
}

TEST(TrainingCheck, NodesWithoutAFabricCannotTrainTogether) {
  EXPECT_EQ(checked("nofabric.pbtxt", cluster(2, false) + "training {\n"
                                                         "  model: \"llama-3.1-8b\" global_batch: 16\n"
                                                         "  layout { dp: 2 tp: 8 }\n"
                                                         "}\n"),
            "F:6:3: error: the layout spans 2 nodes but they have no fabric or NICs between them; expected cluster "
            "{ fabric { ... } }\n");
}

TEST(TrainingLinks, GroupsInsideANodeUseNvlinkOthersTheNics) {
  std::optional<Scenario> s;
  ASSERT_EQ(checked("links.pbtxt", cluster(4) + "training {\n"
                                               "  model: \"llama-3.1-8b\" global_batch: 32\n"
                                               "  layout { dp: 4 tp: 2 pp: 4 }\n"
                                               "}\n",
                    &s),
            "");
  const TrainingLinkPlan plan = training_links(*s, training_layout(*s->training));
  EXPECT_TRUE(plan.tp_intra);   // 2 consecutive ranks
  EXPECT_TRUE(plan.dp_intra);   // tp x dp = 8: one node
  EXPECT_FALSE(plan.pp_intra);  // stages 8 ranks apart: other nodes
  EXPECT_DOUBLE_EQ(plan.links.tp.bandwidth, s->cluster.nodes[0].gpu.nvlink_bandwidth);
  EXPECT_DOUBLE_EQ(plan.links.pp.bandwidth, 200e9 / 8);  // one 200 Gb/s NIC per GPU
  // GPU-NIC twice (the loader's 7 us default each) and the NIC-leaf tier twice.
  EXPECT_DOUBLE_EQ(plan.links.pp.latency, 2 * 7e-6 + 2 * 130e-9);
}

TEST(TrainingLinks, AGroupStraddlingTwoNodesCrossesTheNics) {
  // 3 nodes, pp 3: in the order tp-cp-ep-pp-dp each pipeline is 3 neighbouring GPUs, and pipeline 2
  // is GPUs 6, 7 and 8, on two nodes; in the default order a data-parallel group of 3 replicas
  // (tp 1, GPUs 3 k .. 3 k + 2) straddles nodes the same way. Blocks that divide the node stay.
  std::optional<Scenario> s;
  ASSERT_EQ(checked("straddle.pbtxt", cluster(3) + "training {\n"
                                                  "  model: \"gpt-1.7b\" global_batch: 24\n"
                                                  "  layout { dp: 8 pp: 3 rank_order: TP_CP_EP_PP_DP }\n"
                                                  "}\n",
                    &s),
            "");
  EXPECT_FALSE(training_links(*s, training_layout(*s->training)).pp_intra);
  ASSERT_EQ(checked("straddle-dp.pbtxt", cluster(3) + "training {\n"
                                                     "  model: \"gpt-1.7b\" global_batch: 24\n"
                                                     "  layout { dp: 3 pp: 8 }\n"
                                                     "}\n",
                    &s),
            "");
  EXPECT_FALSE(training_links(*s, training_layout(*s->training)).dp_intra);
  // One node holds everything, divisible or not.
  ASSERT_EQ(checked("one-node.pbtxt", cluster(1) + "training {\n"
                                                  "  model: \"gpt-1.7b\" global_batch: 24\n"
                                                  "  layout { dp: 2 pp: 4 rank_order: TP_CP_EP_PP_DP }\n"
                                                  "}\n",
                    &s),
            "");
  EXPECT_TRUE(training_links(*s, training_layout(*s->training)).pp_intra);
  EXPECT_TRUE(training_links(*s, training_layout(*s->training)).dp_intra);
}

TEST(TrainingCheck, ExpertsWithTheDataParallelOuterOrderNeedEpEqualToCp) {
  EXPECT_EQ(checked("moe-order.pbtxt", cluster(2) + "training {\n"
                                                   "  model: \"mixtral-8x7b\" global_batch: 16\n"
                                                   "  layout { dp: 4 tp: 2 pp: 2 ep: 2 rank_order: TP_CP_EP_PP_DP }\n"
                                                   "}\n"),
            "F:7:36: error: rank_order TP_CP_EP_PP_DP with pp 2 and ep 2 needs ep = cp (1), as Megatron-Core does; "
            "expected rank_order TP_CP_EP_DP_PP or ep equal to cp\n");
}

TEST(TrainingRun, IsTheAnalyticStepOnTheClustersLinksRepeated) {
  std::optional<Scenario> s;
  ASSERT_EQ(checked("run.pbtxt", cluster(2) + "training {\n"
                                             "  model: \"llama-3.1-8b\" global_batch: 32 seq_len: 4096 steps: 3\n"
                                             "  layout { dp: 2 tp: 4 pp: 2 recompute: SELECTIVE sequence_parallel: true }\n"
                                             "}\n",
                    &s),
            "");
  const TrainingRunResult run = run_training(*s);
  const auto costs = calibration::make_cost_model(s->cluster.nodes[0].gpu, s->profiles);
  const calibration::TrainingLayout layout = training_layout(*s->training);
  const calibration::TrainingStep direct = calibration::estimate_training_step(
      *costs, s->training->model, s->cluster.nodes[0].gpu, layout, training_links(*s, layout).links);
  EXPECT_DOUBLE_EQ(run.step.step_time_s, direct.step_time_s);
  EXPECT_DOUBLE_EQ(run.step.mfu, direct.mfu);
  EXPECT_GT(run.step.step_time_s, 0);
  ASSERT_EQ(run.step_start_s.size(), 3u);
  EXPECT_DOUBLE_EQ(run.step_start_s[2], 2 * run.step.step_time_s);
  EXPECT_DOUBLE_EQ(run.simulated_time_s, 3 * run.step.step_time_s);
  const std::string csv = training_steps_csv(*s, run);
  EXPECT_EQ(csv.rfind("step,start_s,end_s,step_time_s,tokens,tokens_per_s,mfu,hfu,tflops_per_gpu,bubble_fraction\n0,0,",
                      0),
            0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  const std::string metrics = training_metrics_json(*s, run);
  for (const char* key : {"\"step_time_s\"", "\"tokens_per_s\"", "\"mfu\"", "\"hfu\"", "\"tflops_per_gpu\"",
                          "\"memory_peak_bytes_per_gpu\"", "\"bubble_fraction\"", "\"activations_bytes\"",
                          "\"layout\""}) {
    EXPECT_NE(metrics.find(key), std::string::npos) << key;
  }
  // Deterministic: the same scenario gives the same bytes.
  EXPECT_EQ(metrics, training_metrics_json(*s, run_training(*s)));
  EXPECT_EQ(csv, training_steps_csv(*s, run_training(*s)));
}

}  // namespace
}  // namespace stratum::sim
