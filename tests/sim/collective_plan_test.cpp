// CollectivePlan: the per-step transfers of NCCL's algorithms (no SimGrid). Byte totals follow
// from the algorithms' definitions (collective.hpp); step counts from the same.
#include "stratum/sim/collective.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>

#include "collective_fixture.hpp"

namespace stratum::sim {
namespace {

using scenarios::CollectiveAlgorithm;
using scenarios::CollectiveOp;

struct Totals {
  double bytes = 0;
  int transfers = 0;
};

Totals totals(const CollectivePlan& plan) {
  Totals t;
  std::vector<Transfer> step;
  for (int s = 0; s < plan.step_count(); ++s) {
    plan.step(s, step);
    for (const Transfer& x : step) {
      t.bytes += x.bytes;
      ++t.transfers;
      EXPECT_NE(x.from, x.to);
    }
  }
  return t;
}

CollectiveCall call(CollectiveOp op, CollectiveAlgorithm algorithm, double bytes, int n) {
  CollectiveCall c;
  c.op = op;
  c.algorithm = algorithm;
  c.bytes = bytes;
  for (int r = 0; r < n; ++r) c.ranks.push_back(r);
  return c;
}

class PlanTest : public ::testing::Test {
 protected:
  // 4 nodes of 8 GPUs; plans never route, so no fabric is needed here.
  topology::ClusterGraph graph = topology::build_cluster([] {
    scenarios::ClusterSpec spec;
    spec.nodes.push_back(testing::dgx_h100(4));
    return spec;
  }());
};

TEST_F(PlanTest, RingAllReduceIsTwoNMinusOneStepsOfSOverN) {
  const double S = 64.0 * 1024 * 1024;
  const CollectivePlan plan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing, S, 8), graph);
  EXPECT_EQ(plan.step_count(), 14);
  EXPECT_EQ(plan.change_points(), std::vector<int>{0});  // every step alike
  std::vector<Transfer> step;
  plan.step(5, step);
  ASSERT_EQ(step.size(), 8u);
  for (int r = 0; r < 8; ++r) {
    EXPECT_EQ(step[static_cast<std::size_t>(r)].from, r);
    EXPECT_EQ(step[static_cast<std::size_t>(r)].to, (r + 1) % 8);
    EXPECT_DOUBLE_EQ(step[static_cast<std::size_t>(r)].bytes, S / 8);
  }
}

TEST_F(PlanTest, EveryAlgorithmMovesTheBytesItsDefinitionRequires) {
  const double S = 32.0 * 1024 * 1024;
  const int n = 32;  // 4 nodes x 8: hierarchical and tree are two-level
  const std::map<CollectiveOp, double> expected = {
      {CollectiveOp::kAllReduce, 2.0 * (n - 1) * S},  {CollectiveOp::kAllGather, (n - 1) * S},
      {CollectiveOp::kReduceScatter, (n - 1) * S},    {CollectiveOp::kAllToAll, (n - 1) * S},
      {CollectiveOp::kBroadcast, (n - 1) * S},        {CollectiveOp::kSendRecv, n * S}};
  for (const auto& [op, bytes] : expected) {
    for (const auto a : {CollectiveAlgorithm::kRing, CollectiveAlgorithm::kTree, CollectiveAlgorithm::kHierarchical}) {
      const CollectivePlan plan(call(op, a, S, n), graph);
      EXPECT_NEAR(totals(plan).bytes, bytes, 1e-6 * bytes) << op_name(op) << " " << algorithm_name(a);
    }
  }
}

TEST_F(PlanTest, FallbacksReportWhatRuns) {
  const double S = 1 << 20;
  EXPECT_EQ(CollectivePlan(call(CollectiveOp::kAllGather, CollectiveAlgorithm::kTree, S, 16), graph).algorithm(),
            CollectiveAlgorithm::kRing);
  EXPECT_EQ(CollectivePlan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kTree, S, 16), graph).algorithm(),
            CollectiveAlgorithm::kTree);
  EXPECT_EQ(
      CollectivePlan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kHierarchical, S, 16), graph).algorithm(),
      CollectiveAlgorithm::kHierarchical);
  // Ranks within one node: hierarchical has no second level and runs as ring.
  EXPECT_EQ(
      CollectivePlan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kHierarchical, S, 8), graph).algorithm(),
      CollectiveAlgorithm::kRing);
  // Uneven ranks per node (8 + 4): ring too.
  EXPECT_EQ(
      CollectivePlan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kHierarchical, S, 12), graph).algorithm(),
      CollectiveAlgorithm::kRing);
  EXPECT_TRUE(CollectivePlan(call(CollectiveOp::kAllToAll, CollectiveAlgorithm::kTree, S, 8), graph).direct());
}

TEST_F(PlanTest, HierarchicalAllReduceRunsIntraInterIntra) {
  const double S = 1 << 24;
  const CollectivePlan plan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kHierarchical, S, 32), graph);
  // (m-1) + 2(g-1) + (m-1) with m = 8, g = 4.
  EXPECT_EQ(plan.step_count(), 7 + 6 + 7);
  std::vector<Transfer> step;
  plan.step(0, step);
  for (const Transfer& t : step) EXPECT_EQ(t.from / 8, t.to / 8) << "intra-node first";
  plan.step(7, step);
  ASSERT_EQ(step.size(), 32u);
  for (const Transfer& t : step) {
    EXPECT_NE(t.from / 8, t.to / 8) << "then across nodes";
    EXPECT_EQ(t.from % 8, t.to % 8) << "on the same rail";
    EXPECT_DOUBLE_EQ(t.bytes, S / 32);
  }
}

TEST_F(PlanTest, DoubleBinaryTreeFollowsNcclParents) {
  // 4 nodes of one GPU each (ranks 0, 8, 16, 24). NCCL's btree over 4: 0 <- 2, 2 <- 1, 2 <- 3;
  // the mirrored tree: 3 <- 1, 1 <- 2, 1 <- 0. Height 2, so with one chunk per tree the reduce
  // takes steps 0-1 and the broadcast steps 2-3.
  CollectiveCall c = call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kTree, 1 << 20, 4);
  c.ranks = {0, 8, 16, 24};
  const CollectivePlan plan(c, graph);
  EXPECT_EQ(plan.step_count(), 4);
  std::vector<Transfer> step;
  plan.step(0, step);  // leaves send up in both trees
  std::set<std::pair<int, int>> first;
  for (const Transfer& t : step) first.emplace(t.from, t.to);
  EXPECT_EQ(first, (std::set<std::pair<int, int>>{{8, 16}, {24, 16}, {16, 8}, {0, 8}}));
  plan.step(1, step);
  std::set<std::pair<int, int>> second;
  for (const Transfer& t : step) second.emplace(t.from, t.to);
  EXPECT_EQ(second, (std::set<std::pair<int, int>>{{16, 0}, {8, 24}}));
}

TEST_F(PlanTest, BroadcastIsAPipelinedChainFromTheRoot) {
  const double S = 64.0 * 1024 * 1024;  // 128 slices of 512 KiB, capped at 64 chunks
  CollectiveCall c = call(CollectiveOp::kBroadcast, CollectiveAlgorithm::kRing, S, 8);
  c.root = 3;
  const CollectivePlan plan(c, graph);
  EXPECT_EQ(pipeline_chunks(S), 64);
  EXPECT_EQ(pipeline_chunks(1), 1);
  EXPECT_EQ(plan.step_count(), 64 + 8 - 2);
  std::vector<Transfer> step;
  plan.step(0, step);
  ASSERT_EQ(step.size(), 1u);
  EXPECT_EQ(step[0].from, 3);
  EXPECT_EQ(step[0].to, 4);
  plan.step(10, step);
  EXPECT_EQ(step.size(), 7u);  // the pipeline is full
}

TEST_F(PlanTest, AllToAllRoundsArePermutations) {
  const CollectivePlan plan(call(CollectiveOp::kAllToAll, CollectiveAlgorithm::kRing, 8 << 20, 8), graph);
  EXPECT_EQ(plan.step_count(), 7);
  std::vector<Transfer> step;
  for (int s = 0; s < 7; ++s) {
    plan.step(s, step);
    std::set<int> senders, receivers;
    for (const Transfer& t : step) {
      senders.insert(t.from);
      receivers.insert(t.to);
      EXPECT_EQ(t.to, (t.from + s + 1) % 8);
    }
    EXPECT_EQ(senders.size(), 8u);
    EXPECT_EQ(receivers.size(), 8u);
  }
}

TEST_F(PlanTest, RejectsBadCalls) {
  EXPECT_THROW(CollectivePlan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing, 1, 1), graph),
               std::invalid_argument);
  EXPECT_THROW(CollectivePlan(call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kAuto, 1, 4), graph),
               std::invalid_argument);
  CollectiveCall twice = call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing, 1, 4);
  twice.ranks[3] = 0;
  EXPECT_THROW(CollectivePlan(twice, graph), std::invalid_argument);
  CollectiveCall outside = call(CollectiveOp::kAllReduce, CollectiveAlgorithm::kRing, 1, 4);
  outside.ranks[3] = 32;
  EXPECT_THROW(CollectivePlan(outside, graph), std::invalid_argument);
}

TEST(BusBandwidth, FactorsAreNcclTests) {
  EXPECT_DOUBLE_EQ(bus_bandwidth_factor(CollectiveOp::kAllReduce, 8), 2.0 * 7 / 8);
  EXPECT_DOUBLE_EQ(bus_bandwidth_factor(CollectiveOp::kAllGather, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(bus_bandwidth_factor(CollectiveOp::kReduceScatter, 4), 3.0 / 4);
  EXPECT_DOUBLE_EQ(bus_bandwidth_factor(CollectiveOp::kAllToAll, 2), 0.5);
  EXPECT_DOUBLE_EQ(bus_bandwidth_factor(CollectiveOp::kBroadcast, 8), 1.0);
  EXPECT_DOUBLE_EQ(bus_bandwidth_factor(CollectiveOp::kSendRecv, 2), 1.0);
}

}  // namespace
}  // namespace stratum::sim
