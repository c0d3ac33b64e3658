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
      evaluator_(routes_) {
  for (int g : gpus_) {
    spans_nodes_ = spans_nodes_ || graph_.vertex(graph_.gpu(g)).node != graph_.vertex(graph_.gpu(gpus_.front())).node;
  }
}

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
    // A group over several nodes (tensor parallelism across nodes) crosses the fabric: there NCCL's
    // tuner picks ring, tree or a hierarchical scheme by its cost model (NCCL src/enqueue.cc,
    // topoGetAlgoInfo), as choose_algorithm does with the analytic model. Inside one node ring
    // stays (NCCL's choice on NVSwitch without NVLS, and the results before cross-node TP).
    if (spans_nodes_) call.algorithm = choose_algorithm(call, graph_, evaluator_);
    e = {evaluator_.time(CollectivePlan(call, graph_)), calibration::Provenance::kRoofline};
  }
  cache_.emplace(key, e);
  return e;
}

}  // namespace stratum::sim
