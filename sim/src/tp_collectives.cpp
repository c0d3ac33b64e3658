#include "stratum/sim/tp_collectives.hpp"

namespace stratum::sim {

TensorParallelCollectives::TensorParallelCollectives(const topology::ClusterGraph& graph, std::vector<int> gpus,
                                                     const calibration::CostModel& costs, double link_bandwidth,
                                                     double link_latency)
    : graph_(graph),
      gpus_(std::move(gpus)),
      costs_(costs),
      link_bandwidth_(link_bandwidth),
      link_latency_(link_latency),
      routes_(graph),
      evaluator_(routes_) {}

calibration::Estimate TensorParallelCollectives::price(calibration::CollectiveKind kind, double bytes) const {
  const auto key = std::make_pair(static_cast<int>(kind), bytes);
  if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
  const int ranks = static_cast<int>(gpus_.size());
  calibration::Estimate e = costs_.collective(kind, bytes, ranks, link_bandwidth_, link_latency_);
  if (e.provenance == calibration::Provenance::kRoofline) {
    // No measurement covers it: the ring decomposition the collectives workload uses, on the
    // group's routes and the catalogue's link figures. vLLM's custom one-shot and two-shot
    // all-reduce kernels for small messages are not modelled (docs/models.md, limitations).
    CollectiveCall call;
    call.op = kind;
    call.algorithm = scenarios::CollectiveAlgorithm::kRing;
    call.bytes = bytes;
    call.ranks = gpus_;
    e = {evaluator_.time(CollectivePlan(call, graph_)), calibration::Provenance::kRoofline};
  }
  cache_.emplace(key, e);
  return e;
}

}  // namespace stratum::sim
