#include "stratum/calibration/iteration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

#include "fixtures.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/calibration/roofline.hpp"

namespace stratum::calibration {
namespace {

using scenarios::Precision;

// Charges one second per GEMM FLOP (grouped GEMMs included), one second per collective byte, and
// nothing else, so that a cost is an exact count of what the composition asked for.
class CountingCostModel final : public CostModel {
 public:
  Estimate gemm(int64_t m, int64_t n, int64_t k, Precision, Precision) const override {
    return {2.0 * double(m) * double(n) * double(k), Provenance::kMeasured};
  }
  Estimate grouped_gemm(double groups, int64_t m, int64_t n, int64_t k, Precision a, Precision w) const override {
    return {groups * gemm(m, n, k, a, w).seconds, Provenance::kInterpolated};
  }
  Estimate attention_prefill(std::span<const PrefillChunk>, const AttentionShape&, Precision) const override {
    return {};
  }
  Estimate attention_decode(std::span<const int64_t>, const AttentionShape&, Precision) const override { return {}; }
  Estimate elementwise(double) const override { return {}; }
  Estimate norm(int64_t, int64_t, Precision) const override { return {}; }
  Estimate collective(CollectiveKind kind, double bytes, int ranks, double, double) const override {
    if (ranks <= 1) return {};
    return {kind == CollectiveKind::kAllReduce ? bytes : 0.0, Provenance::kExtrapolated};
  }
  Estimate copy(CopyKind, double) const override { return {}; }
};

IterationBatch decode_batch(int sequences, int64_t context) {
  IterationBatch b;
  b.decode_contexts.assign(static_cast<size_t>(sequences), context);
  return b;
}

TEST(Iteration, GemmFlopsAreTwiceParametersPerTokenSplitOverTensorParallelRanks) {
  const CountingCostModel counting;
  const scenarios::ModelSpec m = testing::llama31_8b();
  IterationBatch batch = decode_batch(3, 500);
  batch.prefill = {{100, 0}, {50, 200}};
  const double tokens = 3 + 100 + 50, sequences = 5;
  const double per_layer = double(m.hidden) * double((m.heads + 2 * m.kv_heads) * m.head_dim) +
                           double(m.heads * m.head_dim) * double(m.hidden) + 3.0 * double(m.hidden * m.ffn_hidden);
  const double head = double(m.vocab) * double(m.hidden);
  for (int tp : {1, 2, 4}) {
    const IterationModel model(counting, m, Precision::kBf16, {tp, 450e9, 1e-6});
    const IterationCost c = model.cost(batch);
    const double expected = (2.0 * tokens * per_layer * double(m.layers) + 2.0 * sequences * head) / tp;
    EXPECT_NEAR(c.gemm_s, expected, 1e-12 * expected) << "tp " << tp;
    // Two all-reduces of tokens x hidden x 2 bytes per layer under TP, none without.
    const double reduced = tp > 1 ? 2.0 * double(m.layers) * tokens * double(m.hidden) * 2.0 : 0.0;
    EXPECT_DOUBLE_EQ(c.communication_s, reduced) << "tp " << tp;
    EXPECT_DOUBLE_EQ(c.seconds_by_provenance[int(Provenance::kMeasured)], c.gemm_s);
    EXPECT_DOUBLE_EQ(c.seconds_by_provenance[int(Provenance::kExtrapolated)], c.communication_s);
  }
}

TEST(Iteration, MoeReadsExpectedActiveExperts) {
  const CountingCostModel counting;
  const scenarios::ModelSpec m = testing::mixtral_8x7b();
  const IterationModel model(counting, m, Precision::kBf16, {1, 0, 0});
  for (int t : {1, 3, 64}) {
    const IterationCost c = model.cost(decode_batch(t, 100));
    const double active = 8.0 * (1.0 - std::pow(1.0 - 2.0 / 8.0, t));
    const double per_expert = std::ceil(t * 2.0 / active);
    const double expert_flops = active * 2.0 * per_expert * 3.0 * double(m.hidden * m.ffn_hidden);
    EXPECT_NEAR(c.seconds_by_provenance[int(Provenance::kInterpolated)], expert_flops * double(m.layers),
                1e-9 * expert_flops) << t << " tokens";
  }
  // One token touches exactly top-k = 2 experts.
  EXPECT_DOUBLE_EQ(8.0 * (1.0 - std::pow(0.75, 1)), 2.0);
}

TEST(Iteration, IdenticalLayersAreMultiplied) {
  const RooflineCostModel roofline(testing::h100());
  scenarios::ModelSpec m = testing::llama31_8b();
  const IterationBatch batch = decode_batch(8, 1000);
  double cost[4];
  for (int layers = 1; layers <= 3; ++layers) {
    m.layers = layers;
    cost[layers] = IterationModel(roofline, m, Precision::kBf16, {}).cost(batch).seconds;
  }
  EXPECT_NEAR(cost[3] - cost[2], cost[2] - cost[1], 1e-12);
  EXPECT_GT(cost[1], cost[2] - cost[1]);  // plus the LM head and final norm once
}

TEST(Iteration, CostGrowsWithBatchAndProvenanceAndBreakdownAddUp) {
  const RooflineCostModel roofline(testing::h100());
  const IterationModel model(roofline, testing::llama31_8b(), Precision::kBf16, {});
  double previous = 0;
  for (int sequences : {1, 16, 64, 256}) {
    const IterationCost c = model.cost(decode_batch(sequences, 2000));
    EXPECT_GT(c.seconds, previous) << sequences;
    previous = c.seconds;
    EXPECT_DOUBLE_EQ(c.seconds_by_provenance[int(Provenance::kRoofline)], c.seconds);
    EXPECT_NEAR(c.gemm_s + c.attention_s + c.other_s + c.communication_s, c.seconds, 1e-12 * c.seconds);
    EXPECT_GT(c.attention_s, 0);
    EXPECT_GT(c.other_s, 0);
  }
  IterationBatch prefill;
  prefill.prefill = {{2048, 0}};
  EXPECT_GT(model.cost(prefill).seconds, model.cost(decode_batch(256, 2000)).seconds);
  EXPECT_EQ(model.cost(IterationBatch{}).seconds, 0.0);
}

TEST(Iteration, SingleSequenceDecodeIsBoundByReadingTheWeights) {
  const RooflineCostModel roofline(testing::h100());
  const scenarios::ModelSpec m = testing::llama31_8b();
  const double weights_s = parameter_count(m) * 2.0 / (3.35e12 * 0.85);
  const double t = IterationModel(roofline, m, Precision::kBf16, {}).cost(decode_batch(1, 100)).seconds;
  EXPECT_GT(t, weights_s);
  EXPECT_LT(t, 1.5 * weights_s);  // the rest: launch overheads and a little KV
  // W4A16: about a quarter of the linear-layer bytes (embeddings and head stay 16-bit).
  const double t4 = IterationModel(roofline, m, Precision::kInt4, {}).cost(decode_batch(1, 100)).seconds;
  EXPECT_LT(t4, 0.5 * t);
}

TEST(Iteration, TensorParallelismReducesIterationTime) {
  const RooflineCostModel roofline(testing::h100());
  const scenarios::ModelSpec m = testing::llama31_70b();
  IterationBatch batch = decode_batch(32, 1500);
  batch.prefill = {{512, 0}};
  double previous = 1e9;
  for (int tp : {1, 2, 4, 8}) {
    const IterationCost c = IterationModel(roofline, m, Precision::kBf16, {tp, 450e9, 3e-6}).cost(batch);
    EXPECT_LT(c.seconds, previous) << "tp " << tp;
    EXPECT_EQ(c.communication_s > 0, tp > 1);
    previous = c.seconds;
  }
}

TEST(Iteration, RejectsLayoutsTheEngineWouldRefuse) {
  const RooflineCostModel roofline(testing::h100());
  EXPECT_THROW(IterationModel(roofline, testing::qwen25_7b(), Precision::kBf16, {8, 450e9, 0}),
               std::invalid_argument);  // 28 heads over 8 ranks
  EXPECT_THROW(IterationModel(roofline, testing::llama31_8b(), Precision::kBf16, {2, 0, 0}), std::invalid_argument);
  EXPECT_THROW(IterationModel(roofline, testing::llama31_8b(), Precision::kBf16, {0, 0, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::calibration
