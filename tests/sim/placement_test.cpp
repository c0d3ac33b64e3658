// Instance placement (sim/src/placement.cpp): pipeline stages crossing nodes, tensor parallelism
// over whole nodes, `nodes` selection and the reasons given when instances do not fit.
#include <gtest/gtest.h>

#include "serving_fixture.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {
namespace {

// `count` nodes of `gpus` GPUs in one group "h100", plus optionally a group "a100" of one node.
scenarios::Scenario nodes(int count, int gpus, int a100_gpus = 0) {
  scenarios::Scenario s = testing::h100_scenario("llama-3.1-70b", gpus);
  s.cluster.nodes[0].count = count;
  if (a100_gpus > 0) {
    scenarios::NodeGroup a100 = s.cluster.nodes[0];
    a100.id = "a100";
    a100.count = 1;
    a100.gpus_per_node = a100_gpus;
    s.cluster.nodes.push_back(a100);
  }
  return s;
}

std::vector<std::pair<int, int>> slots(const InstancePlacement& p) {
  std::vector<std::pair<int, int>> out;
  for (const GpuSlot& s : p.slots) out.emplace_back(s.global_node, s.local_gpu);
  return out;
}

TEST(Placement, PipelineStagesCrossNodesWhenTheyMust) {
  scenarios::Scenario s = nodes(2, 4);
  s.serving->replicas[0] = {};
  s.serving->replicas[0].tensor_parallel = 4;
  s.serving->replicas[0].pipeline_parallel = 2;
  std::vector<InstancePlacement> out;
  std::string reason;
  ASSERT_TRUE(place_instances(s, out, reason)) << reason;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].gpus, 8);
  EXPECT_EQ(slots(out[0]), (std::vector<std::pair<int, int>>{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {1, 0}, {1, 1}, {1, 2}, {1, 3}}));
}

TEST(Placement, StagesPackIntoOneNodeWhenTheyFit) {
  scenarios::Scenario s = nodes(1, 8);
  s.serving->replicas[0].tensor_parallel = 2;
  s.serving->replicas[0].pipeline_parallel = 2;
  s.serving->replicas[0].count = 2;
  std::vector<InstancePlacement> out;
  std::string reason;
  ASSERT_TRUE(place_instances(s, out, reason)) << reason;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(slots(out[1]), (std::vector<std::pair<int, int>>{{0, 4}, {0, 5}, {0, 6}, {0, 7}}));
  EXPECT_EQ(out[1].first_gpu, 4);
}

TEST(Placement, TensorParallelOverWholeNodes) {
  scenarios::Scenario s = nodes(3, 4);
  // One GPU on node 0 first, so the TP-8 instance must skip to the next whole node.
  s.serving->replicas[0].tensor_parallel = 1;
  scenarios::ReplicaSpec big;
  big.tensor_parallel = 8;
  s.serving->replicas.push_back(big);
  std::vector<InstancePlacement> out;
  std::string reason;
  ASSERT_TRUE(place_instances(s, out, reason)) << reason;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].replica_group, 1);
  EXPECT_EQ(out[1].global_node, 1);
  EXPECT_EQ(out[1].slots.front().global_node, 1);
  EXPECT_EQ(out[1].slots.back().global_node, 2);
  // TP not a multiple of the node size cannot take whole nodes.
  s.serving->replicas[1].tensor_parallel = 6;
  EXPECT_FALSE(place_instances(s, out, reason));
}

TEST(Placement, NodesSelectsTheGroup) {
  scenarios::Scenario s = nodes(1, 8, 4);
  s.serving->replicas[0].nodes = "a100";
  s.serving->replicas[0].tensor_parallel = 2;
  s.serving->replicas[0].count = 2;
  scenarios::ReplicaSpec any;
  any.tensor_parallel = 4;
  s.serving->replicas.push_back(any);
  std::vector<InstancePlacement> out;
  std::string reason;
  ASSERT_TRUE(place_instances(s, out, reason)) << reason;
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].node_group, 1);
  EXPECT_EQ(out[1].node_group, 1);
  EXPECT_EQ(out[1].first_gpu, 2);
  EXPECT_EQ(out[2].node_group, 0);  // no group named: the first with room
}

TEST(Placement, FailureNamesTheGroupAndInstance) {
  scenarios::Scenario s = nodes(1, 8, 4);
  s.serving->replicas[0].nodes = "a100";
  s.serving->replicas[0].tensor_parallel = 2;
  s.serving->replicas[0].pipeline_parallel = 2;
  s.serving->replicas[0].count = 2;
  std::vector<InstancePlacement> out;
  std::string reason;
  int failed = -1;
  EXPECT_FALSE(place_instances(s, out, reason, &failed));
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(reason,
            "serving.replica[0]: instance 2 of 2 (2 stage(s) of 2 GPUs, each stage inside one node or on whole nodes) "
            "does not fit in what node group \"a100\" has left");
  // A pipeline never mixes node groups: 4 H100 + 4 A100 GPUs are not one TP4 x PP2 instance.
  scenarios::Scenario mixed = nodes(1, 4, 4);
  mixed.serving->replicas[0].tensor_parallel = 4;
  mixed.serving->replicas[0].pipeline_parallel = 2;
  EXPECT_FALSE(place_instances(mixed, out, reason, &failed));
  EXPECT_EQ(reason,
            "serving.replica[0]: instance 1 of 1 (2 stage(s) of 4 GPUs, each stage inside one node or on whole nodes) "
            "does not fit in what the cluster has left");
}

}  // namespace
}  // namespace stratum::sim
