// Serving's tensor-parallel collectives go through the simulator's collective API: on an idle
// NVSwitch node a ring all-reduce costs 2(n-1)(alpha + S/(n beta)) with alpha and beta of the
// GPU-to-GPU route, and a measured profile answer takes precedence.
#include <gtest/gtest.h>

#include "collective_fixture.hpp"
#include "stratum/calibration/profile_cost_model.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/sim/tp_collectives.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace stratum::sim {
namespace {

// One DGX H100 with the catalogue's H100 (the roofline needs its peaks).
scenarios::ClusterSpec dgx_node() {
  scenarios::ClusterSpec spec = testing::dgx_cluster(1);
  spec.nodes[0].gpu = *scenarios::Catalog::builtin().find_gpu("h100-sxm5-80gb");
  spec.nodes[0].intra_latency = 3.4e-6;
  return spec;
}

TEST(TensorParallelCollectives, RingOnTheGroupsRoutes) {
  const scenarios::ClusterSpec spec = dgx_node();
  const topology::ClusterGraph graph = topology::build_cluster(spec, 1);
  const calibration::RooflineCostModel roofline(spec.nodes[0].gpu);
  const TensorParallelCollectives group(graph, {0, 1, 2, 3}, roofline, 450e9, 3.4e-6);
  const double s = 64e6, n = 4;
  const RouteTable::Entry route = [&] {
    RouteTable routes(graph);
    return routes.get(0, 1);
  }();
  const double expected = 2 * (n - 1) * (route.latency + s / (n * route.bottleneck));
  const calibration::Estimate e = group.price(calibration::CollectiveKind::kAllReduce, s);
  EXPECT_NEAR(e.seconds / expected, 1.0, 1e-3);
  EXPECT_EQ(e.provenance, calibration::Provenance::kRoofline);
  EXPECT_EQ(group.price(calibration::CollectiveKind::kAllReduce, s).seconds, e.seconds);  // memoised
}

TEST(TensorParallelCollectives, AMeasuredProfileWins) {
  const scenarios::ClusterSpec spec = dgx_node();
  const topology::ClusterGraph graph = topology::build_cluster(spec, 1);
  scenarios::Profile profile;
  profile.header.gpu_id = "h100-sxm5-80gb";
  for (double b : {1e6, 1e8}) profile.collectives.push_back({scenarios::CollectiveOp::kAllReduce, b, 4, "ring", {1e-5 + b / 1e11, 0, 0, 50}});
  const calibration::ProfileCostModel measured(profile, spec.nodes[0].gpu);
  const TensorParallelCollectives group(graph, {0, 1, 2, 3}, measured, 450e9, 3.4e-6);
  const calibration::Estimate e = group.price(calibration::CollectiveKind::kAllReduce, 1e7);
  EXPECT_EQ(e.provenance, calibration::Provenance::kInterpolated);
  EXPECT_NEAR(e.seconds, 1e-5 + 1e7 / 1e11, 1e-12);
}

}  // namespace
}  // namespace stratum::sim
