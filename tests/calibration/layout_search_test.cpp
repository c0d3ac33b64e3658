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
                         l.zero_stage, static_cast<int>(l.recompute), static_cast<int>(l.schedule),
                         l.account_for_embedding, l.account_for_loss);
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
  //   tp1 pp2 dp1, interleaved x2, x4 and x8: micro-batches 8/mb a
  //     multiple of pp 2 rules out mb 8 (32 layers divide 2 x 2, 2 x 4
  //     and 2 x 8)                                                       3 x 3 x 12 = 108
  //   tp1 pp2 dp1 with the embedding and loss counted (32 + 2 = 34
  //     layers): 1F1B (34 divides over 2 chunks)                         4 x 12 = 48
  //     interleaved x2, x4, x8 (34 does not divide 4, 8 or 16 chunks)        0
  //   tp2 pp1 dp1: micro-batch 4 ways x sequence parallelism off/on      4 x 2 x 12 = 96
  // valid 384; tried: 48 + 48 + 4 x 48 + 4 x 48 + 96 = 576.
  const LayoutEnumeration e = enumerate_layouts(llama31_8b(), space(2, 2, 8));
  EXPECT_EQ(e.candidates, 576);
  EXPECT_EQ(e.layouts.size(), 384u);
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

TEST(LayoutSearch, Llama3PublishedLayoutIsInTheSpace) {
  // Llama 3 405B on 16,384 GPUs (arXiv 2407.21783 Table 4): tp 8, pp 16, dp 128, 16 x 8 chunks of
  // 126 layers plus the embedding and the loss counted as layers (128 = 16 x 8), which the even
  // split cannot do (126 is not a multiple of 128).
  LayoutSpace sp = space(16384, 8, 2048);
  sp.seq_len = 8192;
  const LayoutEnumeration e = enumerate_layouts(testing::llama31_405b(), sp);
  bool found = false;
  for (const TrainingLayout& l : e.layouts) {
    if (l.tp == 8 && l.pp == 16 && l.dp == 128 && l.cp == 1 && l.virtual_stages == 8 && l.micro_batch == 1 &&
        l.schedule == PipelineSchedule::kInterleaved && l.sequence_parallel && l.zero_stage == 1 &&
        l.recompute == Recompute::kSelective) {
      EXPECT_TRUE(l.account_for_embedding && l.account_for_loss);
      found = true;
    }
    // Every counted split has pp >= 2 and divides layers + 2 over its chunks.
    if (l.account_for_embedding) {
      EXPECT_EQ((126 + 2) % (l.pp * l.virtual_stages), 0);
    }
  }
  EXPECT_TRUE(found);
}

TEST(LayoutSearch, NoGpusNoLayouts) {
  EXPECT_TRUE(enumerate_layouts(llama31_8b(), space(0, 8, 8)).layouts.empty());
  // 3 GPUs, batch 7: dp 3 or tp/pp/cp products of 3 never divide the batch or the heads.
  const LayoutEnumeration e = enumerate_layouts(llama31_8b(), space(3, 8, 7));
  EXPECT_TRUE(e.layouts.empty());
}

}  // namespace
}  // namespace stratum::calibration
