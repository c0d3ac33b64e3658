#include "stratum/topology/cluster_graph.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <gtest/gtest.h>

namespace stratum::topology {
namespace {

TEST(ClusterGraph, NumbersVerticesPerNodeAndGpusGlobally) {
  ClusterGraph g;
  const int n0 = g.add_node("a", scenarios::IntraConnect::kNvswitch);
  const int n1 = g.add_node("b", scenarios::IntraConnect::kPcie);
  const VertexId a0 = g.add_vertex(VertexKind::kGpu, n0, "a.gpu0");
  const VertexId sw = g.add_vertex(VertexKind::kNvswitch, n0, "a.sw");
  const VertexId a1 = g.add_vertex(VertexKind::kGpu, n0, "a.gpu1");
  const VertexId b0 = g.add_vertex(VertexKind::kGpu, n1, "b.gpu0");
  const VertexId spine = g.add_vertex(VertexKind::kNvswitch, -1, "spine");

  EXPECT_EQ(g.vertex_count(), 5u);
  EXPECT_EQ(g.gpu_count(), 3);
  EXPECT_EQ(g.node_count(), 2);
  EXPECT_EQ(g.vertex(a1).local, 1);
  EXPECT_EQ(g.vertex(a1).gpu, 1);
  EXPECT_EQ(g.vertex(b0).local, 0);
  EXPECT_EQ(g.vertex(b0).gpu, 2);
  EXPECT_EQ(g.vertex(sw).local, 0);
  EXPECT_EQ(g.vertex(sw).gpu, -1);
  EXPECT_EQ(g.vertex(spine).node, -1);
  EXPECT_EQ(g.vertex(spine).local, -1);
  EXPECT_EQ(g.gpu(0), a0);
  EXPECT_EQ(g.gpu(2), b0);
  EXPECT_EQ(g.gpu(0, 1), a1);
  EXPECT_EQ(g.gpu(1, 0), b0);
  EXPECT_EQ(g.node(0).of(VertexKind::kGpu).size(), 2u);
  EXPECT_EQ(g.node(1).intra, scenarios::IntraConnect::kPcie);
  EXPECT_THROW(g.gpu(3), std::out_of_range);
  EXPECT_THROW(g.gpu(1, 1), std::out_of_range);
  EXPECT_THROW(g.gpu(2, 0), std::out_of_range);
  EXPECT_THROW(g.add_vertex(VertexKind::kGpu, 2, "x"), std::invalid_argument);
}

TEST(ClusterGraph, LinksKeepTheirPropertiesAndOrientation) {
  ClusterGraph g;
  const VertexId a = g.add_vertex(VertexKind::kGpu, -1, "a");
  const VertexId b = g.add_vertex(VertexKind::kNvswitch, -1, "b");
  const LinkId l0 = g.add_link(b, a, LinkKind::kNvlink, 450e9, 3e-7);
  const LinkId l1 = g.add_link(a, b, LinkKind::kPcie, 64e9, 0);  // parallel links are kept
  EXPECT_EQ(l0, 0u);
  EXPECT_EQ(l1, 1u);
  EXPECT_EQ(g.link_count(), 2u);
  EXPECT_EQ(boost::num_edges(g.graph()), 2u);
  EXPECT_EQ(g.link(l0).a, b);
  EXPECT_EQ(g.link(l0).b, a);
  EXPECT_EQ(g.link(l0).kind, LinkKind::kNvlink);
  EXPECT_DOUBLE_EQ(g.link(l0).bandwidth, 450e9);
  EXPECT_DOUBLE_EQ(g.link(l0).latency, 3e-7);
  EXPECT_EQ(g.link(l1).kind, LinkKind::kPcie);
  EXPECT_EQ(g.other_end(l0, a), b);
  EXPECT_EQ(g.other_end(l0, b), a);
}

TEST(ClusterGraph, RejectsInvalidLinks) {
  ClusterGraph g;
  const VertexId a = g.add_vertex(VertexKind::kGpu, -1, "a");
  const VertexId b = g.add_vertex(VertexKind::kGpu, -1, "b");
  const VertexId c = g.add_vertex(VertexKind::kGpu, -1, "c");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(g.add_link(a, a, LinkKind::kNvlink, 1e9, 0), std::invalid_argument);
  EXPECT_THROW(g.add_link(a, 7, LinkKind::kNvlink, 1e9, 0), std::invalid_argument);
  EXPECT_THROW(g.add_link(a, b, LinkKind::kNvlink, 0, 0), std::invalid_argument);
  EXPECT_THROW(g.add_link(a, b, LinkKind::kNvlink, -1e9, 0), std::invalid_argument);
  EXPECT_THROW(g.add_link(a, b, LinkKind::kNvlink, nan, 0), std::invalid_argument);
  EXPECT_THROW(g.add_link(a, b, LinkKind::kNvlink, inf, 0), std::invalid_argument);
  EXPECT_THROW(g.add_link(a, b, LinkKind::kNvlink, 1e9, -1e-6), std::invalid_argument);
  EXPECT_THROW(g.add_link(a, b, LinkKind::kNvlink, 1e9, nan), std::invalid_argument);
  EXPECT_EQ(g.link_count(), 0u);
  const LinkId l = g.add_link(a, b, LinkKind::kNvlink, 1e9, 0);
  EXPECT_THROW(g.other_end(l, c), std::invalid_argument);
}

TEST(ClusterGraph, KindsHaveNames) {
  EXPECT_STREQ(to_string(VertexKind::kGpu), "gpu");
  EXPECT_STREQ(to_string(VertexKind::kNvswitch), "nvswitch");
  EXPECT_STREQ(to_string(VertexKind::kPcieSwitch), "pcie-switch");
  EXPECT_STREQ(to_string(VertexKind::kHost), "host");
  EXPECT_STREQ(to_string(VertexKind::kNic), "nic");
  EXPECT_STREQ(to_string(LinkKind::kNvlink), "nvlink");
  EXPECT_STREQ(to_string(LinkKind::kPcie), "pcie");
  EXPECT_STREQ(to_string(LinkKind::kNetwork), "network");
  EXPECT_STREQ(to_string(FabricKind::kNone), "none");
}

}  // namespace
}  // namespace stratum::topology

// A copied or moved graph answers link queries from its own edges, not the source's.
TEST(ClusterGraphCopy, CopiesAndMovesKeepTheirLinkIndex) {
  using namespace stratum::topology;
  ClusterGraph original;
  const int node = original.add_node("n0", stratum::scenarios::IntraConnect::kNvswitch);
  const VertexId a = original.add_vertex(VertexKind::kGpu, node, "gpu0");
  const VertexId b = original.add_vertex(VertexKind::kGpu, node, "gpu1");
  const LinkId l = original.add_link(a, b, LinkKind::kNvlink, 450e9, 1e-6);
  ClusterGraph copy = original;
  ClusterGraph assigned;
  assigned = copy;
  {
    ClusterGraph doomed = original;
    ClusterGraph moved(std::move(doomed));
    EXPECT_EQ(moved.link(l).bandwidth, 450e9);
    EXPECT_EQ(moved.other_end(l, a), b);
  }
  original = ClusterGraph();  // the source goes away
  EXPECT_EQ(copy.link(l).bandwidth, 450e9);
  EXPECT_EQ(assigned.other_end(l, b), a);
  EXPECT_EQ(copy.link_count(), 1u);
}
