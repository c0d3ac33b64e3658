#include "stratum/topology/export.hpp"

#include <sstream>
#include <string>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphml.hpp>
#include <gtest/gtest.h>

#include "stratum/topology/cluster_builder.hpp"
#include "test_clusters.hpp"

namespace stratum::topology {
namespace {

ClusterGraph small_fat_tree() {
  scenarios::ClusterSpec spec;
  scenarios::NodeGroup group = testing::dgx_h100(2);
  group.nics.count = 8;
  group.nics.bandwidth = 50e9;
  group.gpu.pcie_bandwidth = 63.015384615e9;  // not 6 significant digits: must survive the export
  spec.nodes = {group};
  spec.fabric.kind = scenarios::FabricKind::kFatTree;
  spec.fabric.radix = 16;
  spec.fabric.tiers = {{50e9, 1e-6}};
  return build_cluster(spec);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Export, GraphmlReadsBackWithItsCounts) {
  const ClusterGraph g = small_fat_tree();
  std::ostringstream out;
  write_graphml(g, out);
  using Read = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                     boost::property<boost::vertex_name_t, std::string>,
                                     boost::property<boost::edge_weight_t, double>>;
  Read back;
  boost::dynamic_properties dp(boost::ignore_other_properties);
  dp.property("name", boost::get(boost::vertex_name, back));
  dp.property("bandwidth", boost::get(boost::edge_weight, back));
  std::istringstream in(out.str());
  boost::read_graphml(in, back, dp);
  EXPECT_EQ(boost::num_vertices(back), g.vertex_count());
  EXPECT_EQ(boost::num_edges(back), g.link_count());
  EXPECT_EQ(boost::get(boost::vertex_name, back, 0), g.vertex(0).name);
  double total = 0, expected = 0;
  for (const auto e : boost::make_iterator_range(boost::edges(back))) total += boost::get(boost::edge_weight, back, e);
  for (LinkId id = 0; id < g.link_count(); ++id) expected += g.link(id).bandwidth;
  EXPECT_DOUBLE_EQ(total, expected);
}

TEST(Export, DotHasEveryVertexAndLink) {
  const ClusterGraph g = small_fat_tree();
  std::ostringstream out;
  write_dot(g, out);
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("graph G {", 0), 0u);
  EXPECT_EQ(count(text, "--"), g.link_count());
  EXPECT_EQ(count(text, "kind=gpu"), 16u);
  EXPECT_EQ(count(text, "kind=switch"), 2u + 8u);
  EXPECT_NE(text.find("\"dgx-1.nic7\""), std::string::npos);
}

}  // namespace
}  // namespace stratum::topology
