// Oversubscribed switch tiers in the analytic training step (issue 7, sim/src/training_contention.cpp):
// the per-class bandwidth min(NIC share, uplink capacity / concurrent flows) on small multi-pod and
// oversubscribed fat-tree clusters, hand-computed from the builders' port arithmetic
// (topology/fabric_builders.hpp), and full-bisection fabrics (the Megatron SC'21 Table 1 examples
// included) left exactly as they were.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "stratum/scenarios/loader.hpp"
#include "stratum/sim/training_contention.hpp"
#include "stratum/sim/training_run.hpp"

namespace stratum::sim {
namespace {

using scenarios::Diagnostics;
using scenarios::Scenario;

Scenario load_text(const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-training-contention-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  Diagnostics diags;
  std::optional<Scenario> s = scenarios::load_scenario(path, {}, scenarios::Catalog::builtin(), diags);
  EXPECT_TRUE(s.has_value()) << diags.to_string();
  if (!s) return Scenario{};
  check_training(*s, diags);
  EXPECT_TRUE(diags.ok()) << diags.to_string();
  return *s;
}

// 8 nodes of 8 H100 (one 400 Gb/s = 50 GB/s NIC per GPU) in 4 pods of 16 GPUs, radix 16: a leaf
// has 8 ports down and 8 up, so each node has a leaf of its own (1:1) and a pod has 2 leaves and
// 8 spines; each spine links to c = max(1, round(2 leaves / 2)) = 1 core. A pod's uplinks: 8
// spine-core links at `core_link`, against 16 x 50 GB/s of NICs.
std::string multi_pod(const std::string& core_link, const std::string& layout) {
  return "cluster {\n"
         "  nodes { id: \"n\" count: 8 gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 intra: NVSWITCH\n"
         "          nics { per_gpu {} bandwidth: \"400 Gb/s\" } }\n"
         "  fabric { multi_pod { pod_gpus: 16 pod_oversubscription: 2 radix: 16 }\n"
         "           tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" } tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" }\n"
         "           tier { bandwidth: \"" + core_link + "\" latency: \"1 us\" } }\n"
         "}\n"
         "training { model: \"llama-3.1-8b\" global_batch: 16 seq_len: 4096 micro_batch: 1\n"
         "  layout { " + layout + " recompute: SELECTIVE } }\n";
}

// 4 DGX A100 (one 200 Gb/s = 25 GB/s NIC per GPU) on a two-level fat-tree of `radix`-port
// switches at `oversubscription`:1; Llama 3.1 8B with tp 8 in a node, pp 2 and dp 2 across nodes.
std::string fat_tree(int radix, double oversubscription) {
  return "cluster {\n"
         "  nodes { id: \"dgx\" count: 4 gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 nics { per_gpu {} bandwidth: \"200 Gb/s\" } }\n"
         "  fabric { fat_tree { levels: 2 radix: " + std::to_string(radix) +
         " oversubscription: " + std::to_string(oversubscription) +
         " } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n"
         "}\n"
         "training { model: \"llama-3.1-8b\" global_batch: 16 seq_len: 4096\n"
         "  layout { dp: 2 tp: 8 pp: 2 recompute: SELECTIVE } }\n";
}

TEST(TrainingContention, MultiPodPipelineSendsShareThePodUplinks) {
  const Scenario s = load_text("pp.pbtxt", multi_pod("400 Gb/s", "tp: 8 pp: 4 dp: 2"));
  const FabricCuts cuts = fabric_cuts(s.cluster);
  // Four pods, each 8 spine-core links of 50 GB/s = 400 GB/s up against 800 GB/s of NICs; leaves
  // are 1:1 and are no cut.
  ASSERT_EQ(cuts.subtrees.size(), 4u);
  for (int p = 0; p < 4; ++p) {
    const OversubscribedSubtree& sub = cuts.subtrees[static_cast<size_t>(p)];
    EXPECT_EQ(sub.level, 1);
    EXPECT_EQ(sub.name, "pod" + std::to_string(p));
    EXPECT_DOUBLE_EQ(sub.uplink_bandwidth, 400e9);
    EXPECT_DOUBLE_EQ(sub.nic_bandwidth, 800e9);
    EXPECT_EQ(sub.gpus, 16);
  }
  EXPECT_EQ(cuts.subtree_of_gpu[17][0], -1);
  EXPECT_EQ(cuts.subtree_of_gpu[17][1], 1);
  // A stage is 16 GPUs = one pod. Pod 1 (stage 1) sends forward to stage 2 and backward to stage
  // 0 at once: 32 flows up through 400 GB/s, 12.5 GB/s each. Pod 0 sends 16 (forward only).
  const TrainingLinkPlan plan = training_links(s, training_layout(*s.training), &cuts);
  EXPECT_FALSE(plan.pp_intra);
  EXPECT_TRUE(plan.contention.pp.limited);
  EXPECT_DOUBLE_EQ(plan.links.pp.bandwidth, 400e9 / 32);
  EXPECT_EQ(plan.contention.pp.tier, "pod");
  EXPECT_EQ(plan.contention.pp.subtree, "pod1");
  EXPECT_DOUBLE_EQ(plan.contention.pp.flows, 32);
  EXPECT_DOUBLE_EQ(plan.contention.pp.nic_share, 50e9);
  // Data-parallel pairs (GPU g and g + 8) stay inside their stage's pod: NIC share, no cut.
  EXPECT_FALSE(plan.dp_intra);
  EXPECT_FALSE(plan.contention.dp.limited);
  EXPECT_DOUBLE_EQ(plan.links.dp.bandwidth, 50e9);
  // Without cuts (the flow fidelity's baseline) every inter-node class has the NIC share.
  EXPECT_DOUBLE_EQ(training_links(s, training_layout(*s.training), nullptr).links.pp.bandwidth, 50e9);
  // The bound slows the step.
  EXPECT_GT(run_training(s).step.step_time_s, run_training(s, {.fabric_cuts = false}).step.step_time_s);
}

TEST(TrainingContention, PipelineInsideDataParallelMovesTheCutToTheGradients) {
  // The same layout in the order tp-cp-ep-pp-dp (GPU t + 8 s + 32 r): each pipeline is 32
  // neighbouring GPUs, pods 0-1 and 2-3. Only its middle boundary crosses a pod: pod 0 sends
  // stage 1's 8 forward flows up, pod 1 stage 2's 8 backward ones, 50 GB/s each: the NIC share.
  const Scenario s = load_text("pp-dp.pbtxt", multi_pod("400 Gb/s", "tp: 8 pp: 4 dp: 2 rank_order: TP_CP_EP_PP_DP"));
  const TrainingLinkPlan plan = training_links(s, training_layout(*s.training));
  EXPECT_FALSE(plan.pp_intra);
  EXPECT_FALSE(plan.contention.pp.limited);
  EXPECT_DOUBLE_EQ(plan.links.pp.bandwidth, 50e9);
  // Data-parallel partners are a pipeline apart (GPU g and g + 32, pods 0 and 2): all 16 GPUs of a
  // pod send up at once, 400 GB/s / 16 = 25 GB/s each.
  EXPECT_FALSE(plan.dp_intra);
  EXPECT_TRUE(plan.contention.dp.limited);
  EXPECT_DOUBLE_EQ(plan.links.dp.bandwidth, 25e9);
  EXPECT_DOUBLE_EQ(plan.contention.dp.flows, 16);
  EXPECT_EQ(plan.contention.dp.subtree, "pod0");
}

TEST(TrainingContention, InterleavedScheduleAddsTheWrapAroundSend) {
  // With virtual stages the last stage sends to the first (the next chunk): pod 0 now sends
  // forward to stage 1 and backward to stage 3, 32 flows like every other pod, and is the first
  // cut with the lowest share.
  const Scenario s = load_text("interleaved.pbtxt",
                               multi_pod("400 Gb/s", "tp: 8 pp: 4 dp: 2 virtual_stages: 2 schedule: INTERLEAVED"));
  const TrainingLinkPlan plan = training_links(s, training_layout(*s.training));
  EXPECT_TRUE(plan.contention.pp.limited);
  EXPECT_DOUBLE_EQ(plan.links.pp.bandwidth, 400e9 / 32);
  EXPECT_EQ(plan.contention.pp.subtree, "pod0");
  EXPECT_DOUBLE_EQ(plan.contention.pp.flows, 32);
}

TEST(TrainingContention, DataParallelRingCrossesEachPodOncePerRing) {
  // dp 8 over the 8 nodes (GPU t + 8 r), two nodes per pod: each of the 8 rings leaves every pod
  // once and enters it once, 8 flows per direction. Core links at 100 Gb/s: 8 x 12.5 GB/s =
  // 100 GB/s up per pod, 12.5 GB/s per flow.
  const Scenario s = load_text("dp.pbtxt", multi_pod("100 Gb/s", "tp: 8 pp: 1 dp: 8"));
  const TrainingLinkPlan plan = training_links(s, training_layout(*s.training));
  EXPECT_TRUE(plan.contention.dp.limited);
  EXPECT_DOUBLE_EQ(plan.links.dp.bandwidth, 100e9 / 8);
  EXPECT_EQ(plan.contention.dp.subtree, "pod0");
  EXPECT_DOUBLE_EQ(plan.contention.dp.flows, 8);
  // At 400 Gb/s core links the same 8 flows get 50 GB/s each: the NIC share, so no limit.
  const Scenario fast = load_text("dp-fast.pbtxt", multi_pod("400 Gb/s", "tp: 8 pp: 1 dp: 8"));
  const TrainingLinkPlan open = training_links(fast, training_layout(*fast.training));
  EXPECT_FALSE(open.contention.dp.limited);
  EXPECT_DOUBLE_EQ(open.links.dp.bandwidth, 50e9);
}

TEST(TrainingContention, ExpertAllToAllSplitsEachFlowOverItsPeers) {
  // Mixtral 8x7B, tp 8, ep 4: an expert group is GPUs g, g + 8, g + 16, g + 24 (nodes 0-3, pods 0
  // and 1), each GPU sending 1/3 of its traffic to each of its 3 peers, 2 of them in the other
  // pod: 16 GPUs x 2/3 = 32/3 flows leave each pod, 400 GB/s / (32/3) = 37.5 GB/s each.
  std::string text = multi_pod("400 Gb/s", "tp: 8 pp: 1 dp: 8 ep: 4 zero_stage: 1");
  text.replace(text.find("llama-3.1-8b"), std::string("llama-3.1-8b").size(), "mixtral-8x7b");
  const Scenario s = load_text("ep.pbtxt", text);
  const TrainingLinkPlan plan = training_links(s, training_layout(*s.training));
  EXPECT_FALSE(plan.ep_intra);
  EXPECT_TRUE(plan.contention.ep.limited);
  EXPECT_NEAR(plan.links.ep.bandwidth, 37.5e9, 1e-6 * 37.5e9);
  EXPECT_NEAR(plan.contention.ep.flows, 32.0 / 3.0, 1e-12);
  EXPECT_EQ(plan.contention.ep.subtree, "pod0");
}

TEST(TrainingContention, RememberedAnswersKeepGeometriesOfOneStageSizeApart) {
  // In the order tp-cp-ep-pp-dp two layouts with the same GPUs per stage (tp x dp = 16) place their
  // pipelines differently: tp 8 x dp 2 keeps each pipeline on 4 neighbouring nodes (one pod
  // crossing at its middle), tp 4 x dp 4 spreads a node over two pipelines. One FabricCuts serves
  // both, as in a search, and each must get the answer its own fresh cuts give.
  const Scenario a = load_text("order-a.pbtxt", multi_pod("100 Gb/s", "tp: 8 pp: 4 dp: 2 rank_order: TP_CP_EP_PP_DP"));
  const Scenario b = load_text("order-b.pbtxt", multi_pod("100 Gb/s", "tp: 4 pp: 4 dp: 4 rank_order: TP_CP_EP_PP_DP"));
  const FabricCuts shared = fabric_cuts(a.cluster);
  for (const Scenario* s : {&a, &b, &a}) {
    const FabricCuts fresh = fabric_cuts(s->cluster);
    const TrainingLinkPlan remembered = training_links(*s, training_layout(*s->training), &shared);
    const TrainingLinkPlan computed = training_links(*s, training_layout(*s->training), &fresh);
    EXPECT_EQ(remembered.links.pp.bandwidth, computed.links.pp.bandwidth) << s->training->tp;
    EXPECT_EQ(remembered.links.dp.bandwidth, computed.links.dp.bandwidth) << s->training->tp;
  }
  EXPECT_NE(training_links(a, training_layout(*a.training)).links.pp.bandwidth,
            training_links(b, training_layout(*b.training)).links.pp.bandwidth);
}

TEST(TrainingContention, RailLeavesCountOnlyTrafficBetweenNodes) {
  // Two nodes of 8 H100 on a rail-optimized fabric with one spine: rail leaf i holds NIC i of each
  // node (2 x 50 GB/s) under one 100 Gb/s = 12.5 GB/s uplink. Mixtral 8x7B, tp 2, ep 8: an expert
  // group is GPUs t, t + 2, ..., t + 14, four on each node; each GPU sends 1/7 of its traffic to
  // each of its 7 peers: 3 on its own node over NVLink (not through the fabric, though their NICs
  // sit on other rails), 1 on the other node on its own rail (through its leaf only) and 3 on the
  // other node's other rails, up through its leaf. Rail leaf 0 holds GPU 0 and GPU 8, each sending
  // 3/7 up: 6/7 flows, 12.5 GB/s / (6/7) = 14.58 GB/s. Counting the NVLink peers too would give
  // 12/7 flows and half that.
  const std::string text =
      "cluster {\n"
      "  nodes { id: \"n\" count: 2 gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 intra: NVSWITCH\n"
      "          nics { per_gpu {} bandwidth: \"400 Gb/s\" } }\n"
      "  fabric { rail_optimized { spines: 1 radix: 16 }\n"
      "           tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" } tier { bandwidth: \"100 Gb/s\" latency: \"1 us\" } }\n"
      "}\n"
      "training { model: \"mixtral-8x7b\" global_batch: 16 seq_len: 4096 micro_batch: 1\n"
      "  layout { tp: 2 pp: 1 dp: 8 ep: 8 zero_stage: 3 recompute: FULL } }\n";
  const Scenario s = load_text("rail.pbtxt", text);
  const FabricCuts cuts = fabric_cuts(s.cluster);
  ASSERT_FALSE(cuts.empty());
  const TrainingLinkPlan plan = training_links(s, training_layout(*s.training), &cuts);
  EXPECT_FALSE(plan.ep_intra);
  EXPECT_TRUE(plan.contention.ep.limited);
  EXPECT_NEAR(plan.contention.ep.flows, 6.0 / 7.0, 1e-12);
  EXPECT_NEAR(plan.links.ep.bandwidth, 12.5e9 * 7.0 / 6.0, 1e-6 * 12.5e9);
}

TEST(TrainingContention, OversubscribedFatTreeLeafLimitsDataAndPipelineTraffic) {
  // Radix 16 at 3:1: d = floor(16 x 3 / 4) = 12 ports down, 4 up; a node's 8 NICs fit one leaf and
  // the next node's do not, so each node has its own leaf: 8 x 25 GB/s of NICs under 4 x 25 GB/s
  // of uplinks. Node 0 holds stage 0 of replica 0: its 8 GPUs send to their data-parallel peers
  // on node 1 (8 ring flows) and forward to stage 1 on node 2 (8 pipeline flows), each class on
  // its own: 100 GB/s / 8 = 12.5 GB/s, half the NIC.
  const Scenario s = load_text("ft-over.pbtxt", fat_tree(16, 3));
  const FabricCuts cuts = fabric_cuts(s.cluster);
  ASSERT_EQ(cuts.subtrees.size(), 4u);
  EXPECT_EQ(cuts.subtrees[0].level, 0);
  EXPECT_EQ(cuts.subtrees[0].name, "leaf0");
  EXPECT_DOUBLE_EQ(cuts.subtrees[0].uplink_bandwidth, 100e9);
  EXPECT_DOUBLE_EQ(cuts.subtrees[0].nic_bandwidth, 200e9);
  const TrainingLinkPlan plan = training_links(s, training_layout(*s.training), &cuts);
  EXPECT_DOUBLE_EQ(plan.links.dp.bandwidth, 12.5e9);
  EXPECT_DOUBLE_EQ(plan.links.pp.bandwidth, 12.5e9);
  EXPECT_EQ(plan.contention.dp.tier, "leaf");
  EXPECT_EQ(plan.contention.dp.subtree, "leaf0");
  EXPECT_DOUBLE_EQ(plan.contention.dp.flows, 8);
  EXPECT_DOUBLE_EQ(plan.contention.pp.flows, 8);
  EXPECT_DOUBLE_EQ(plan.links.tp.bandwidth, plan.intra_bandwidth);  // inside a node: no cut
  // metrics.json says which tier limited which class.
  const TrainingRunResult run = run_training(s);
  const nlohmann::json m = nlohmann::json::parse(training_metrics_json(s, run));
  EXPECT_EQ(m["links"]["dp"]["bandwidth_Bps"].get<double>(), 12.5e9);
  EXPECT_EQ(m["links"]["dp"]["nic_share_Bps"].get<double>(), 25e9);
  EXPECT_EQ(m["links"]["dp"]["limited_by"]["tier"], "leaf");
  EXPECT_EQ(m["links"]["dp"]["limited_by"]["subtree"], "leaf0");
  EXPECT_EQ(m["links"]["dp"]["limited_by"]["uplink_bandwidth_Bps"].get<double>(), 100e9);
  EXPECT_EQ(m["links"]["dp"]["limited_by"]["concurrent_flows"].get<double>(), 8);
  EXPECT_FALSE(m["links"]["tp"].contains("limited_by"));
}

TEST(TrainingContention, FullBisectionFabricIsUnchanged) {
  // Radix 64 at 1:1: one leaf of 32 ports down and 32 up; no cut, so the run is the NIC-share run
  // bit for bit, and metrics.json has no contention keys.
  const Scenario s = load_text("ft-full.pbtxt", fat_tree(64, 1));
  EXPECT_TRUE(fabric_cuts(s.cluster).empty());
  const TrainingRunResult with = run_training(s);
  const TrainingRunResult without = run_training(s, {.fabric_cuts = false});
  EXPECT_EQ(with.step.step_time_s, without.step.step_time_s);
  EXPECT_EQ(with.links.links.dp.bandwidth, 25e9);
  EXPECT_EQ(with.links.links.pp.bandwidth, 25e9);
  EXPECT_EQ(training_metrics_json(s, with), training_metrics_json(s, without));
  EXPECT_EQ(training_metrics_json(s, with).find("limited_by"), std::string::npos);
}

TEST(TrainingContention, MegatronTable1ExamplesHaveNoCut) {
  // Every Megatron-LM SC'21 Table 1 example (and the 175B one) runs on a full-bisection fat-tree:
  // no oversubscribed subtree, so their steps do not move.
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(STRATUM_SOURCE_DIR "/scenarios/examples")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("megatron_", 0) != 0 || entry.path().extension() != ".pbtxt") continue;
    Diagnostics diags;
    const std::optional<Scenario> s =
        scenarios::load_scenario(entry.path().string(), {}, scenarios::Catalog::builtin(), diags);
    ASSERT_TRUE(s.has_value()) << name << ": " << diags.to_string();
    EXPECT_TRUE(fabric_cuts(s->cluster).empty()) << name;
    ++examples;
  }
  EXPECT_GE(examples, 11);
}

}  // namespace
}  // namespace stratum::sim
