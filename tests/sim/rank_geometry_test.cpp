// Where a layout's ranks sit (sim/rank_geometry.hpp) under both rank orders: Megatron-LM's default
// tp-cp-ep-dp-pp and tp-cp-ep-pp-dp (--use-tp-pp-dp-mapping, the Llama 3 paper's order), checked
// against GPU numbers written out by hand.
#include <gtest/gtest.h>

#include <set>

#include "stratum/sim/rank_geometry.hpp"

namespace stratum::sim {
namespace {

using scenarios::RankOrder;

calibration::TrainingLayout layout(RankOrder order) {
  calibration::TrainingLayout l;
  l.tp = 2;
  l.cp = 2;
  l.dp = 3;
  l.pp = 4;
  l.rank_order = order;
  return l;
}

TEST(RankGeometry, MegatronDefaultPutsThePipelineOutermost) {
  const RankGeometry g(layout(RankOrder::kTpCpEpDpPp));
  // t + 2 c + 4 r + 12 s.
  EXPECT_EQ(g.gpu(1, 0, 0, 0), 1);
  EXPECT_EQ(g.gpu(0, 1, 0, 0), 2);
  EXPECT_EQ(g.gpu(0, 0, 1, 0), 4);
  EXPECT_EQ(g.gpu(0, 0, 0, 1), 12);
  EXPECT_EQ(g.gpu(1, 1, 2, 3), 1 + 2 + 8 + 36);
  // Flattened data-parallel index f = c + 2 r: f 3 is c 1, r 1.
  EXPECT_EQ(g.gpu_flat(0, 3, 0), 6);
  EXPECT_EQ(g.tp_block(), 2);
  EXPECT_EQ(g.cp_block(), 4);
  EXPECT_EQ(g.dp_block(), 12);
  EXPECT_EQ(g.pp_block(), 48);
  EXPECT_EQ(g.ep_block(2), 4);  // inside one replica's context ranks
  EXPECT_EQ(g.ep_block(4), 8);  // two replicas
}

TEST(RankGeometry, PipelineInsideDataParallelKeepsEachPipelineTogether) {
  const RankGeometry g(layout(RankOrder::kTpCpEpPpDp));
  // t + 2 c + 4 s + 16 r: one pipeline is 16 neighbouring GPUs.
  EXPECT_EQ(g.gpu(0, 0, 0, 1), 4);
  EXPECT_EQ(g.gpu(0, 0, 1, 0), 16);
  EXPECT_EQ(g.gpu(1, 1, 2, 3), 1 + 2 + 32 + 12);
  EXPECT_EQ(g.tp_block(), 2);
  EXPECT_EQ(g.cp_block(), 4);
  EXPECT_EQ(g.pp_block(), 16);
  EXPECT_EQ(g.dp_block(), 48);
  EXPECT_EQ(g.ep_block(4), 32);  // two replicas, a pipeline apart
}

TEST(RankGeometry, CoordinatesInvertThePlacementAndCoverEveryGpuOnce) {
  for (const RankOrder order : {RankOrder::kTpCpEpDpPp, RankOrder::kTpCpEpPpDp}) {
    const RankGeometry g(layout(order));
    std::set<int64_t> seen;
    for (int64_t gpu = 0; gpu < 48; ++gpu) {
      const RankCoords k = g.coords(gpu);
      EXPECT_EQ(g.gpu(k.t, k.c, k.r, k.s), gpu);
      seen.insert(g.gpu(k.t, k.c, k.r, k.s));
    }
    EXPECT_EQ(seen.size(), 48u);
  }
}

}  // namespace
}  // namespace stratum::sim
