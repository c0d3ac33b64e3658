#include "stratum/topology/cluster_builder.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "stratum/topology/analysis.hpp"
#include "test_clusters.hpp"

namespace stratum::topology {
namespace {

using testing::dgx_h100;
using testing::l40s_box;

TEST(BuildCluster, BuildsEveryNodeOfEveryGroupInOrder) {
  scenarios::ClusterSpec spec;
  spec.nodes = {dgx_h100(2), l40s_box(1, 4)};
  const ClusterGraph g = build_cluster(spec);
  EXPECT_EQ(g.node_count(), 3);
  EXPECT_EQ(g.gpu_count(), 20);
  EXPECT_EQ(g.vertex_count(), 2u * 10u + 6u);
  EXPECT_EQ(g.link_count(), 2u * 16u + 5u);
  EXPECT_EQ(g.node(1).name, "dgx-1");
  EXPECT_EQ(g.node(1).group, 0);
  EXPECT_EQ(g.node(1).index_in_group, 1);
  EXPECT_EQ(g.node(2).name, "l40s-0");
  EXPECT_EQ(g.node(2).group, 1);
  EXPECT_EQ(g.node(2).intra, scenarios::IntraConnect::kPcie);
  // Global GPU indices follow node order, and each node's GPUs are consecutive.
  EXPECT_EQ(g.vertex(g.gpu(8)).name, "dgx-1.gpu0");
  EXPECT_EQ(g.vertex(g.gpu(16)).name, "l40s-0.gpu0");
  EXPECT_EQ(g.gpu(1, 7), g.gpu(15));
  EXPECT_EQ(g.vertex(g.gpu(19)).node, 2);
  EXPECT_EQ(g.fabric(), FabricKind::kNone);
}

TEST(BuildCluster, CollectsEveryProblemBeforeThrowing) {
  scenarios::ClusterSpec spec;
  auto bad_count = dgx_h100(0);
  auto duplicate = dgx_h100(1);
  auto no_nvlink = l40s_box();
  no_nvlink.id = "wrong";
  no_nvlink.intra = scenarios::IntraConnect::kNvswitch;
  spec.nodes = {bad_count, duplicate, no_nvlink};
  try {
    build_cluster(spec);
    FAIL() << "three bad groups must be refused";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("count is 0"), std::string::npos) << what;
    EXPECT_NE(what.find("id is used twice"), std::string::npos) << what;
    EXPECT_NE(what.find("'wrong'"), std::string::npos) << what;
    EXPECT_EQ(std::count(what.begin(), what.end(), '\n'), 2) << what;
  }
  scenarios::ClusterSpec unnamed;
  unnamed.nodes = {dgx_h100()};
  unnamed.nodes[0].id.clear();
  EXPECT_THROW(build_cluster(unnamed), std::invalid_argument);
}

TEST(BuildCluster, SixtyFourDgxNodes) {
  scenarios::ClusterSpec spec;
  spec.nodes = {dgx_h100(64)};
  const ClusterGraph g = build_cluster(spec);
  EXPECT_EQ(g.gpu_count(), 512);
  EXPECT_EQ(g.vertex_count(), 640u);
  EXPECT_EQ(g.link_count(), 1024u);
  EXPECT_EQ(component_count(g), 64);  // no fabric yet: each node is an island
  EXPECT_EQ(g.vertex(g.gpu(511)).name, "dgx-63.gpu7");
}

TEST(BuildCluster, EmptySpecGivesEmptyGraph) {
  const ClusterGraph g = build_cluster(scenarios::ClusterSpec{});
  EXPECT_EQ(g.vertex_count(), 0u);
  EXPECT_EQ(g.node_count(), 0);
}

}  // namespace
}  // namespace stratum::topology
