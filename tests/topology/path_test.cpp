#include "stratum/topology/path.hpp"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

namespace stratum::topology {
namespace {

// Diamond s - {x, y} - t with chosen widths, plus a direct s - t link when `direct` > 0.
struct Diamond {
  ClusterGraph g;
  VertexId s, x, y, t;
  Diamond(double sx, double xt, double sy, double yt, double direct = 0) {
    s = g.add_vertex(VertexKind::kGpu, -1, "s");
    x = g.add_vertex(VertexKind::kNvswitch, -1, "x");
    y = g.add_vertex(VertexKind::kNvswitch, -1, "y");
    t = g.add_vertex(VertexKind::kGpu, -1, "t");
    g.add_link(s, x, LinkKind::kPcie, sx, 1e-6);    // link 0
    g.add_link(x, t, LinkKind::kPcie, xt, 2e-6);    // link 1
    g.add_link(s, y, LinkKind::kNvlink, sy, 3e-6);  // link 2
    g.add_link(t, y, LinkKind::kNvlink, yt, 4e-6);  // link 3, stored t -> y
    if (direct > 0) g.add_link(t, s, LinkKind::kNetwork, direct, 5e-6);  // link 4
  }
};

TEST(Path, PrefersTheWiderOfEquallyShortPaths) {
  // The first-discovered branch (via x, lower link ids) is narrower: width decides, not order.
  Diamond d(64e9, 64e9, 450e9, 450e9);
  const auto path = shortest_path(d.g, d.s, d.t);
  ASSERT_TRUE(path.has_value());
  ASSERT_EQ(path->hop_count(), 2u);
  EXPECT_EQ(path->hops[0].link, 2u);
  EXPECT_EQ(path->hops[0].from, d.s);
  EXPECT_EQ(path->hops[0].to, d.y);
  EXPECT_EQ(path->hops[1].link, 3u);
  EXPECT_EQ(path->hops[1].from, d.y);
  EXPECT_EQ(path->hops[1].to, d.t);
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(d.g, *path), 450e9);
  EXPECT_DOUBLE_EQ(path_latency(d.g, *path), 7e-6);
}

TEST(Path, WidthIsTheBottleneckNotTheFirstLink) {
  // Via x: min(500, 100) = 100; via y: min(200, 200) = 200, although s-x is the widest link.
  Diamond d(500e9, 100e9, 200e9, 200e9);
  const auto path = shortest_path(d.g, d.s, d.t);
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->hops[0].to, d.y);
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(d.g, *path), 200e9);
}

TEST(Path, EqualWidthsGoToTheLowerLinkId) {
  Diamond d(100e9, 100e9, 100e9, 100e9);
  const auto path = shortest_path(d.g, d.s, d.t);
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->hops[0].link, 0u);
  EXPECT_EQ(path->hops[1].link, 1u);
  // The other way round the tie is decided at s, between link 0 (from x) and link 2 (from y).
  const auto back = shortest_path(d.g, d.t, d.s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->hops[0].link, 1u);
  EXPECT_EQ(back->hops[1].link, 0u);
}

TEST(Path, FewerHopsBeatWiderPaths) {
  Diamond d(450e9, 450e9, 450e9, 450e9, /*direct=*/1e9);
  const auto path = shortest_path(d.g, d.s, d.t);
  ASSERT_TRUE(path.has_value());
  ASSERT_EQ(path->hop_count(), 1u);
  EXPECT_EQ(path->hops[0].link, 4u);
  EXPECT_DOUBLE_EQ(bottleneck_bandwidth(d.g, *path), 1e9);
}

TEST(Path, HopsKnowTheirDirection) {
  Diamond d(64e9, 64e9, 450e9, 450e9);
  const auto path = shortest_path(d.g, d.s, d.t);
  ASSERT_TRUE(path.has_value());
  EXPECT_TRUE(path->hops[0].forward(d.g));   // link 2 stored s -> y, walked s -> y
  EXPECT_FALSE(path->hops[1].forward(d.g));  // link 3 stored t -> y, walked y -> t
}

TEST(Path, ParallelLinksPickTheWidest) {
  ClusterGraph g;
  const VertexId a = g.add_vertex(VertexKind::kGpu, -1, "a");
  const VertexId b = g.add_vertex(VertexKind::kGpu, -1, "b");
  g.add_link(a, b, LinkKind::kPcie, 32e9, 1e-6);
  g.add_link(b, a, LinkKind::kNvlink, 450e9, 1e-6);
  const auto path = shortest_path(g, a, b);
  ASSERT_TRUE(path.has_value());
  ASSERT_EQ(path->hop_count(), 1u);
  EXPECT_EQ(path->hops[0].link, 1u);
}

TEST(Path, UnreachableAndTrivialPaths) {
  ClusterGraph g;
  const VertexId a = g.add_vertex(VertexKind::kGpu, -1, "a");
  const VertexId b = g.add_vertex(VertexKind::kGpu, -1, "b");
  const VertexId c = g.add_vertex(VertexKind::kGpu, -1, "c");
  g.add_link(a, b, LinkKind::kNvlink, 1e9, 1e-6);
  EXPECT_FALSE(shortest_path(g, a, c).has_value());
  const PathTree tree(g, a);
  EXPECT_FALSE(tree.reaches(c));
  EXPECT_EQ(tree.hops_to(c), -1);
  EXPECT_EQ(tree.width_to(c), 0.0);
  EXPECT_TRUE(std::isinf(tree.width_to(a)));
  const auto self = tree.path_to(a);
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->hop_count(), 0u);
  EXPECT_EQ(path_latency(g, *self), 0.0);
  EXPECT_TRUE(std::isinf(bottleneck_bandwidth(g, *self)));
  EXPECT_THROW(tree.path_to(9), std::out_of_range);
  EXPECT_THROW(PathTree(g, 9), std::out_of_range);
}

TEST(Path, RouteUsesGlobalGpuIndices) {
  ClusterGraph g;
  const int node = g.add_node("n", scenarios::IntraConnect::kNvswitch);
  const VertexId g0 = g.add_vertex(VertexKind::kGpu, node, "g0");
  const VertexId sw = g.add_vertex(VertexKind::kNvswitch, node, "sw");
  const VertexId g1 = g.add_vertex(VertexKind::kGpu, node, "g1");
  g.add_link(g0, sw, LinkKind::kNvlink, 450e9, 3e-7);
  g.add_link(g1, sw, LinkKind::kNvlink, 450e9, 3e-7);
  const auto path = route(g, 1, 0);
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(path->from, g1);
  EXPECT_EQ(path->to, g0);
  EXPECT_EQ(path->hop_count(), 2u);
  EXPECT_THROW(route(g, 0, 2), std::out_of_range);
}

}  // namespace
}  // namespace stratum::topology
