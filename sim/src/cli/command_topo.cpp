// `stratum topo FILE [--dot OUT] [--graphml OUT]`: builds the scenario's cluster graph and prints
// topology/'s analysis; optionally exports the graph (Boost.Graph's DOT and GraphML writers).
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "commands.hpp"
#include "prepare.hpp"
#include "stratum/topology/analysis.hpp"
#include "stratum/topology/cluster_builder.hpp"
#include "stratum/topology/export.hpp"

namespace stratum::cli {
namespace {

template <typename Writer>
void export_to(const std::string& path, const topology::ClusterGraph& graph, Writer write) {
  std::ofstream out(path, std::ios::binary);
  write(graph, out);
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string gbps(double bytes_per_s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f GB/s", bytes_per_s / 1e9);
  return buf;
}

// ClusterGraph is built in place and never copied or moved: its link index holds Boost edge
// descriptors that point into the graph's own edge list.
int report(const Options& options, const scenarios::Scenario& scenario, const topology::ClusterGraph& graph) {
  const topology::TopologyReport r = topology::analyze(graph);
  std::printf("%s\n", scenario.name.c_str());
  std::printf("  %d GPUs on %d node%s, %d NICs; fabric %s\n", r.gpus, r.nodes, r.nodes == 1 ? "" : "s", r.nics,
              topology::to_string(r.fabric));
  std::printf("  graph: %zu vertices, %zu links, %d component%s\n", r.vertices, r.links, r.components,
              r.components == 1 ? "" : "s");
  if (!r.tiers.empty()) {
    std::printf("  %-6s %9s %11s %16s %11s %16s %8s\n", "tier", "switches", "links down", "down bandwidth", "links up",
                "up bandwidth", "over");
    for (const topology::TierReport& t : r.tiers) {
      char over[24] = "-";
      if (t.oversubscription > 0) std::snprintf(over, sizeof over, "%.2f:1", t.oversubscription);
      std::printf("  %-6s %9d %11zu %16s %11zu %16s %8s\n", topology::tier_name(t.tier), t.switches, t.links_down,
                  gbps(t.down_bandwidth).c_str(), t.links_up, gbps(t.up_bandwidth).c_str(), over);
    }
  }
  std::printf("  bisection bandwidth %s (one direction)\n", gbps(r.bisection_bandwidth).c_str());
  std::printf("  GPU pairs: %lld connected, %lld not; diameter %d hops, mean %.2f hops\n",
              static_cast<long long>(r.connected_gpu_pairs), static_cast<long long>(r.disconnected_gpu_pairs),
              r.gpu_diameter_hops, r.mean_gpu_hops);
  std::printf("  pairs by hops:");
  for (std::size_t h = 0; h < r.gpu_pairs_by_hops.size(); ++h) {
    if (r.gpu_pairs_by_hops[h] > 0) std::printf(" %zu: %lld", h, static_cast<long long>(r.gpu_pairs_by_hops[h]));
  }
  std::printf("\n");
  if (r.fabric_unconnected) std::printf("  warning: some GPUs of different nodes cannot reach each other\n");
  if (!options.dot_out.empty()) {
    export_to(options.dot_out, graph, [](const topology::ClusterGraph& g, std::ostream& o) { topology::write_dot(g, o); });
    std::printf("  wrote %s\n", options.dot_out.c_str());
  }
  if (!options.graphml_out.empty()) {
    export_to(options.graphml_out, graph,
              [](const topology::ClusterGraph& g, std::ostream& o) { topology::write_graphml(g, o); });
    std::printf("  wrote %s\n", options.graphml_out.c_str());
  }
  return kExitOk;
}

}  // namespace

int run_topo(const Options& options) {
  scenarios::Diagnostics diags;
  auto scenario = prepare_scenario(options.files.front(), options, diags);
  if (!scenario) {
    print_diagnostics(diags);
    return kExitInvalidInput;
  }
  try {
    const topology::ClusterGraph graph = topology::build_cluster(scenario->cluster, scenario->seed);
    return report(options, *scenario, graph);
  } catch (const std::invalid_argument& e) {
    diags.error(scenario->where("cluster"), std::string("the cluster cannot be built: ") + e.what());
    print_diagnostics(diags);
    return kExitInvalidInput;
  }
}

}  // namespace stratum::cli
