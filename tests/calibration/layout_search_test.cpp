// The layout space of `stratum search` (issue 7, calibration/layout_search.hpp): exact counts on
// small spaces worked out by hand, every layout valid and multiplying to the GPU count, the
// schedule and expert-parallel rules, and a fixed order.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "fixtures.hpp"
#include "stratum/calibration/layout_search.hpp"

namespace stratum::calibration {
namespace {

using testing::llama31_8b;
using testing::mixtral_8x7b;

LayoutSpace space(int64_t gpus, int gpus_per_node, int64_t global_batch) {
  LayoutSpace s;
  s.gpus = gpus;
  s.gpus_per_node = gpus_per_node;
  s.global_batch = global_batch;
  s.seq_len = 2048;
  return s;
}

auto key(const TrainingLayout& l) {
  return std::make_tuple(l.dp, l.tp, l.pp, l.cp, l.ep, l.virtual_stages, l.micro_batch, l.sequence_parallel,
                         l.zero_stage, static_cast<int>(l.recompute), static_cast<int>(l.schedule));
}

TEST(LayoutSearch, OneGpuIsMicroBatchTimesZeroTimesRecompute) {
  // tp = pp = cp = dp = 1, 1F1B only (interleaving needs pp >= 2), no sequence parallelism (tp 1):
  // micro-batch 1, 2, 4, 8 (all divide 8) x ZeRO 0-3 x 3 recomputations = 48.
  const LayoutEnumeration e = enumerate_layouts(llama31_8b(), space(1, 8, 8));
  EXPECT_EQ(e.candidates, 48);
  EXPECT_EQ(e.layouts.size(), 48u);
}

TEST(LayoutSearch, TwoGpusCountedByHand) {
  // Llama 3.1 8B (32 layers, 32 heads, 8 KV heads, MLP 14,336) on 2 GPUs in one node, batch 8:
  //   tp1 pp1 cp1 dp2: micro-batch 1, 2, 4 (dp x mb must divide 8)       3 x 12 = 36
  //   tp1 pp1 cp2 dp1: micro-batch 1, 2, 4, 8                            4 x 12 = 48
  //   tp1 pp2 dp1, 1F1B:                                                 4 x 12 = 48
  //   tp1 pp2 dp1, interleaved x2 and x4: micro-batches 8/mb a multiple
  //     of pp 2 rules out mb 8 (32 layers divide 2 x 2 and 2 x 4)       2 x 3 x 12 = 72
  //   tp2 pp1 dp1: micro-batch 4 ways x sequence parallelism off/on      4 x 2 x 12 = 96
  // valid 300; tried: 48 + 48 + 3 x 48 + 96 = 336.
  const LayoutEnumeration e = enumerate_layouts(llama31_8b(), space(2, 2, 8));
  EXPECT_EQ(e.candidates, 336);
  EXPECT_EQ(e.layouts.size(), 300u);
}

TEST(LayoutSearch, EveryLayoutIsValidDistinctAndMultipliesToTheGpus) {
  const scenarios::ModelSpec m = llama31_8b();
  const LayoutEnumeration e = enumerate_layouts(m, space(64, 8, 512));
  ASSERT_GT(e.layouts.size(), 1000u);
  std::set<decltype(key(e.layouts.front()))> seen;
  for (const TrainingLayout& l : e.layouts) {
    EXPECT_EQ(l.gpus(), 64);
    EXPECT_TRUE(validate_layout(l, m, 64).empty());
    EXPECT_LE(l.tp, 8);                  // TP inside a node
    EXPECT_EQ(l.tp & (l.tp - 1), 0);     // a power of two
    EXPECT_LE(l.cp, 16);
    EXPECT_FALSE(l.sequence_parallel && l.tp == 1);
    EXPECT_NE(l.schedule, PipelineSchedule::kGpipe);
    EXPECT_TRUE(seen.insert(key(l)).second) << "duplicate layout";
  }
  // The published-style layouts are in it.
  bool tp8_pp4 = false, interleaved4 = false;
  for (const TrainingLayout& l : e.layouts) {
    tp8_pp4 = tp8_pp4 || (l.tp == 8 && l.pp == 4 && l.dp == 2 && l.cp == 1);
    interleaved4 = interleaved4 || (l.schedule == PipelineSchedule::kInterleaved && l.virtual_stages == 4 && l.pp == 8);
  }
  EXPECT_TRUE(tp8_pp4);
  EXPECT_TRUE(interleaved4);
}

TEST(LayoutSearch, SameInputSameOrder) {
  const LayoutEnumeration a = enumerate_layouts(llama31_8b(), space(16, 8, 64));
  const LayoutEnumeration b = enumerate_layouts(llama31_8b(), space(16, 8, 64));
  ASSERT_EQ(a.layouts.size(), b.layouts.size());
  for (size_t i = 0; i < a.layouts.size(); ++i) EXPECT_EQ(key(a.layouts[i]), key(b.layouts[i]));
}

TEST(LayoutSearch, ExpertParallelismOnlyForMoeAndDividingTheExperts) {
  const LayoutEnumeration dense = enumerate_layouts(llama31_8b(), space(16, 8, 64));
  for (const TrainingLayout& l : dense.layouts) EXPECT_EQ(l.ep, 1);
  const LayoutEnumeration moe = enumerate_layouts(mixtral_8x7b(), space(16, 8, 64));
  std::set<int> eps;
  for (const TrainingLayout& l : moe.layouts) {
    eps.insert(l.ep);
    EXPECT_EQ(8 % l.ep, 0);
    EXPECT_EQ((l.dp * l.cp) % l.ep, 0);
  }
  EXPECT_EQ(eps, (std::set<int>{1, 2, 4, 8}));
}

TEST(LayoutSearch, NoGpusNoLayouts) {
  EXPECT_TRUE(enumerate_layouts(llama31_8b(), space(0, 8, 8)).layouts.empty());
  // 3 GPUs, batch 7: dp 3 or tp/pp/cp products of 3 never divide the batch or the heads.
  const LayoutEnumeration e = enumerate_layouts(llama31_8b(), space(3, 8, 7));
  EXPECT_TRUE(e.layouts.empty());
}

}  // namespace
}  // namespace stratum::calibration
