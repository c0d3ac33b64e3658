// Expert parallelism, expert load skew, DeepSeek-V3 (MLA, shared experts, dense leading layers)
// in the iteration and memory models (issue 6).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fixtures.hpp"
#include "stratum/calibration/expert_load.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/scenarios/catalog.hpp"

namespace stratum::calibration {
namespace {

// Prices nothing but collectives (roofline ring alpha-beta) and records every collective call.
class RecordingCosts final : public CostModel {
 public:
  struct Call {
    CollectiveKind kind;
    double bytes;
    int ranks;
  };
  Estimate gemm(int64_t, int64_t, int64_t, Precision, Precision) const override { return {}; }
  Estimate attention_prefill(std::span<const PrefillChunk>, const AttentionShape&, Precision) const override {
    return {};
  }
  Estimate attention_decode(std::span<const int64_t>, const AttentionShape&, Precision) const override { return {}; }
  Estimate elementwise(double) const override { return {}; }
  Estimate norm(int64_t, int64_t, Precision) const override { return {}; }
  Estimate collective(CollectiveKind kind, double bytes, int ranks, double bandwidth, double latency) const override {
    calls.push_back({kind, bytes, ranks});
    return RooflineCostModel(testing::h100()).collective(kind, bytes, ranks, bandwidth, latency);
  }
  Estimate copy(CopyKind, double) const override { return {}; }
  mutable std::vector<Call> calls;
};

// A group pricing that records what the iteration model asks it.
class RecordingGroup final : public GroupCollectives {
 public:
  Estimate price(CollectiveKind kind, double bytes) const override {
    calls.push_back({kind, bytes, 0});
    return {1e-6, Provenance::kRoofline};
  }
  mutable std::vector<RecordingCosts::Call> calls;
};

IterationBatch decode_batch(int sequences, int64_t context) {
  IterationBatch b;
  b.decode_contexts.assign(static_cast<size_t>(sequences), context);
  return b;
}

IterationBatch prefill_batch(int64_t tokens) {
  IterationBatch b;
  b.prefill.push_back({tokens, 0});
  return b;
}

ParallelLayout nvlink(int tp, int ep, double skew = 0) {
  ParallelLayout l;
  l.tensor_parallel = tp;
  l.link_bandwidth = 450e9;
  l.link_latency = 3.4e-6;
  l.expert_parallel = ep;
  l.expert_zipf_skew = skew;
  return l;
}

const scenarios::ModelSpec& deepseek_v3() {
  static const scenarios::ModelSpec m = *scenarios::Catalog::builtin().find_model("deepseek-v3");
  return m;
}

TEST(ExpertLoad, UniformRoutingIsBalanced) {
  EXPECT_EQ(busiest_rank_share(256, 8, 0.0), 1.0 / 8);
  EXPECT_EQ(busiest_rank_share(8, 2, 0.0), 0.5);
  EXPECT_EQ(busiest_rank_share(256, 1, 1.5), 1.0);
}

TEST(ExpertLoad, SkewRaisesTheBusiestShareMonotonically) {
  for (const auto& [experts, ranks] : {std::pair<int64_t, int>{256, 8}, {256, 16}, {8, 2}, {8, 8}}) {
    double previous = 1.0 / ranks;
    for (const double s : {0.25, 0.5, 1.0, 1.5, 2.0, 3.0}) {
      const double share = busiest_rank_share(experts, ranks, s);
      EXPECT_GT(share, previous) << experts << " experts, " << ranks << " ranks, s " << s;
      EXPECT_LE(share, 1.0);
      previous = share;
    }
  }
  // One expert per rank: the busiest rank is the most popular expert, 1 / H(8, s) exactly.
  double harmonic = 0;
  for (int i = 1; i <= 8; ++i) harmonic += 1.0 / i;
  EXPECT_NEAR(busiest_rank_share(8, 8, 1.0), 1.0 / harmonic, 1e-12);
}

TEST(ExpertLoad, DeterministicAndChecked) {
  EXPECT_EQ(busiest_rank_share(256, 8, 1.0), busiest_rank_share(256, 8, 1.0));
  EXPECT_THROW(busiest_rank_share(256, 3, 1.0), std::invalid_argument);
  EXPECT_THROW(busiest_rank_share(256, 8, -0.5), std::invalid_argument);
}

// Closed form: each EP rank sends its T/ep tokens' k copies of hidden x 2 bytes (BF16) in each of
// the two all-to-alls, priced as a ring all-to-all over ep ranks of that full buffer.
TEST(ExpertParallel, AllToAllBytesForAKnownBatch) {
  const scenarios::ModelSpec mixtral = testing::mixtral_8x7b();
  RecordingCosts costs;
  const IterationModel ep(costs, mixtral, Precision::kBf16, nvlink(4, 2));
  ep.cost(decode_batch(16, 100));
  std::vector<RecordingCosts::Call> to_all;
  for (const auto& c : costs.calls) {
    if (c.kind == CollectiveKind::kAllToAll) to_all.push_back(c);
  }
  ASSERT_EQ(to_all.size(), 2u);  // dispatch and combine of the one costed layer
  const double bytes = 16.0 / 2 * 2 * 4096 * 2;  // T/ep x k x hidden x BF16 = 131,072
  for (const auto& c : to_all) {
    EXPECT_EQ(c.bytes, bytes);
    EXPECT_EQ(c.ranks, 2);
  }
  // The iteration pays 32 layers x 2 all-to-alls of (ep-1)(a + S/(ep B)) more than without EP.
  RecordingCosts plain_costs;
  const double with_ep = ep.cost(decode_batch(16, 100)).communication_s;
  const double without = IterationModel(plain_costs, mixtral, Precision::kBf16, nvlink(4, 1))
                             .cost(decode_batch(16, 100)).communication_s;
  EXPECT_NEAR(with_ep - without, 32 * 2 * (3.4e-6 + bytes / (2 * 450e9)), 1e-12);
}

TEST(ExpertParallel, Fp8DispatchesInFp8AndCombinesInBf16) {
  RecordingCosts costs;
  IterationModel(costs, testing::mixtral_8x7b(), Precision::kFp8, nvlink(2, 2)).cost(decode_batch(8, 10));
  std::vector<double> bytes;
  for (const auto& c : costs.calls) {
    if (c.kind == CollectiveKind::kAllToAll) bytes.push_back(c.bytes);
  }
  // DeepSeek-V3 report section 3.3.3: activations quantised to FP8 before dispatch.
  EXPECT_EQ(bytes, (std::vector<double>{8.0 / 2 * 2 * 4096 * 1, 8.0 / 2 * 2 * 4096 * 2}));
}

TEST(ExpertParallel, WholeGroupEpUsesTheGroupPricing) {
  RecordingCosts costs;
  RecordingGroup group;
  ParallelLayout layout = nvlink(8, 8);
  layout.group = &group;
  IterationModel(costs, testing::mixtral_8x7b(), Precision::kBf16, layout).cost(decode_batch(32, 10));
  int to_all = 0;
  for (const auto& c : group.calls) to_all += c.kind == CollectiveKind::kAllToAll ? 1 : 0;
  EXPECT_EQ(to_all, 2);
  for (const auto& c : costs.calls) EXPECT_NE(c.kind, CollectiveKind::kAllToAll);
}

TEST(ExpertParallel, SkewZeroIsBalancedAndSkewSlowsTheMoeLayerMonotonically) {
  const RooflineCostModel roofline(testing::h100());
  const IterationBatch prefill = prefill_batch(8192);
  const IterationModel balanced(roofline, deepseek_v3(), Precision::kFp8, nvlink(8, 8, 0.0));
  EXPECT_EQ(balanced.busiest_expert_rank_share(), 1.0 / 8);
  double previous = balanced.cost(prefill).seconds;
  for (const double s : {0.5, 1.0, 1.5, 2.0}) {
    const IterationModel skewed(roofline, deepseek_v3(), Precision::kFp8, nvlink(8, 8, s));
    const IterationCost c = skewed.cost(prefill);
    EXPECT_GT(c.seconds, previous) << "s " << s;
    previous = c.seconds;
  }
  // Skew without expert parallelism changes nothing: every rank holds a shard of every expert.
  EXPECT_EQ(IterationModel(roofline, testing::mixtral_8x7b(), Precision::kBf16, nvlink(2, 1, 2.0)).cost(prefill).seconds,
            IterationModel(roofline, testing::mixtral_8x7b(), Precision::kBf16, nvlink(2, 1, 0.0)).cost(prefill).seconds);
}

TEST(ExpertParallel, MixtralRunsWithEp) {
  const RooflineCostModel roofline(testing::h100());
  for (const int ep : {1, 2, 4, 8}) {
    const IterationModel model(roofline, testing::mixtral_8x7b(), Precision::kBf16, nvlink(8, ep));
    const IterationCost c = model.cost(decode_batch(64, 1000));
    EXPECT_GT(c.seconds, 0);
    EXPECT_GT(c.communication_s, 0);
  }
  EXPECT_THROW(IterationModel(roofline, testing::mixtral_8x7b(), Precision::kBf16, nvlink(4, 8)), std::invalid_argument);
  EXPECT_THROW(IterationModel(roofline, testing::llama31_8b(), Precision::kBf16, nvlink(2, 2)), std::invalid_argument);
}

TEST(DeepSeekV3, CatalogueEntryMatchesConfigAndPublishedSize) {
  const scenarios::ModelSpec& m = deepseek_v3();
  EXPECT_EQ(m.layers, 61);
  EXPECT_EQ(m.hidden, 7168);
  EXPECT_EQ(m.experts, 256);
  EXPECT_EQ(m.experts_per_token, 8);
  EXPECT_EQ(m.shared_experts, 1);
  EXPECT_EQ(m.dense_layers, 3);
  EXPECT_EQ(m.dense_ffn_hidden, 18432);
  EXPECT_EQ(m.ffn_hidden, 2048);
  EXPECT_EQ(m.kv_lora_rank, 512);
  EXPECT_EQ(m.q_lora_rank, 1536);
  EXPECT_EQ(m.rope_head_dim, 64);
  EXPECT_EQ(m.moe_layers(), 58);
  // 671B published (main model, without the MTP module): within 0.5 %.
  EXPECT_NEAR(parameter_count(m) / 671e9, 1.0, 0.005);
  // MLA caches (512 + 64) elements per layer: 61 x 576 x 2 bytes in BF16 (DeepSeek-V2 Table 1).
  EXPECT_EQ(kv_bytes_per_token(m, Precision::kBf16), 61.0 * 576 * 2);
}

TEST(DeepSeekV3, FitsOnEightH200OrSixteenH100InFp8WithEp) {
  const scenarios::Catalog& cat = scenarios::Catalog::builtin();
  const scenarios::GpuSpec& h200 = *cat.find_gpu("h200-sxm-141gb");
  const scenarios::GpuSpec& h100 = *cat.find_gpu("h100-sxm5-80gb");
  const scenarios::SchedulerSpec sched;
  const ServingMemoryPlan eight_h200 = plan_serving_memory(deepseek_v3(), h200, Precision::kFp8, 8, sched, 8);
  EXPECT_TRUE(eight_h200.fits());
  // The latent cache is replicated on every TP rank (vLLM MLA): not divided by 8.
  EXPECT_EQ(eight_h200.kv_bytes_per_token_per_gpu, 61.0 * 576 * 2);
  // About 671 GB of FP8 weights over 8 GPUs, plus the replicated MLA down-projections.
  EXPECT_NEAR(eight_h200.weight_bytes_per_gpu / 1e9, 85.0, 1.5);
  EXPECT_FALSE(plan_serving_memory(deepseek_v3(), h100, Precision::kFp8, 8, sched, 8).fits());
  const ServingMemoryPlan sixteen_h100 = plan_serving_memory(deepseek_v3(), h100, Precision::kFp8, 16, sched, 16);
  EXPECT_TRUE(sixteen_h100.fits());
  // EP moves experts, not bytes: the same weights per GPU with and without it.
  EXPECT_EQ(sixteen_h100.weight_bytes_per_gpu,
            plan_serving_memory(deepseek_v3(), h100, Precision::kFp8, 16, sched, 1).weight_bytes_per_gpu);
  EXPECT_THROW(plan_serving_memory(deepseek_v3(), h100, Precision::kFp8, 16, sched, 3), std::invalid_argument);
}

TEST(DeepSeekV3, IterationUsesMlaAndDenseLeadingLayers) {
  const RooflineCostModel roofline(*scenarios::Catalog::builtin().find_gpu("h200-sxm-141gb"));
  const IterationModel model(roofline, deepseek_v3(), Precision::kFp8, nvlink(8, 8));
  const IterationCost decode = model.cost(decode_batch(64, 2000));
  const IterationCost prefill = model.cost(prefill_batch(2048));
  EXPECT_GT(decode.seconds, 0);
  EXPECT_GT(prefill.seconds, decode.seconds);
  // Decode attention reads the 576-element latent once per cached token and layer: 61 layers x
  // 64 x 2001 keys x 1,152 bytes at 0.85 x 4.8 TB/s is its floor.
  const double latent_floor = 61.0 * 64 * 2001 * 576 * 2 / (4.8e12 * 0.85);
  EXPECT_GT(decode.attention_s, latent_floor);
  EXPECT_LT(decode.attention_s, latent_floor * 1.2);
}

}  // namespace
}  // namespace stratum::calibration
