#include "stratum/sim/flow_tensor_parallel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace stratum::sim {

FlowTensorParallel::FlowTensorParallel(const topology::ClusterGraph& graph, const Platform& platform,
                                       std::vector<int> ranks)
    : graph_(graph), platform_(platform), ranks_(std::move(ranks)), routes_(graph), evaluator_(routes_) {}

void FlowTensorParallel::add_to_scope(const topology::ClusterGraph& graph, const std::vector<int>& ranks,
                                      PlatformScope& scope) {
  scope.gpus.insert(scope.gpus.end(), ranks.begin(), ranks.end());
  CollectiveCall c;
  c.ranks = ranks;
  c.bytes = 1 << 20;  // the pairs a plan uses do not depend on its size
  for (const auto algorithm : {scenarios::CollectiveAlgorithm::kRing, scenarios::CollectiveAlgorithm::kTree,
                               scenarios::CollectiveAlgorithm::kHierarchical}) {
    c.algorithm = algorithm;
    for (const auto op : {scenarios::CollectiveOp::kAllReduce, scenarios::CollectiveOp::kAllGather}) {
      c.op = op;
      CollectivePlan(c, graph).append_pairs(scope.routes);
    }
  }
}

const FlowTensorParallel::Pattern& FlowTensorParallel::pattern(scenarios::CollectiveOp op, double bytes) {
  // The algorithm the analytic pricing (TensorParallelCollectives) picks for this size.
  const auto key = std::make_pair(static_cast<int>(op), bytes);
  auto chosen = chosen_.find(key);
  if (chosen == chosen_.end()) {
    CollectiveCall c;
    c.op = op;
    c.bytes = bytes;
    c.ranks = ranks_;
    chosen = chosen_.emplace(key, choose_algorithm(c, graph_, evaluator_)).first;
  }
  const auto pkey = std::make_pair(static_cast<int>(op), static_cast<int>(chosen->second));
  auto it = patterns_.find(pkey);
  if (it != patterns_.end()) return it->second;
  // Bytes per pair over every step, per byte of the collective (one concurrent set per iteration).
  const std::vector<Transfer> shares = pair_shares(op, chosen->second, ranks_, graph_);
  Pattern p;
  for (const Transfer& t : shares) {
    if (!platform_.has_route(t.from, t.to)) {
      throw std::runtime_error("tensor parallelism across nodes: the platform has no route from GPU " +
                               std::to_string(t.from) + " to GPU " + std::to_string(t.to));
    }
    p.push_back(t);
  }
  return patterns_.emplace(pkey, std::move(p)).first->second;
}

void FlowTensorParallel::add(const Pattern& pattern, double bytes) {
  for (const Transfer& t : pattern) merged_[{t.from, t.to}] += t.bytes * bytes;
}

double FlowTensorParallel::run(const calibration::IterationCost& cost, const calibration::GroupCollectives& group) {
  namespace sg4 = simgrid::s4u;
  const double start = sg4::Engine::get_clock();
  merged_.clear();
  // Only what the topology model priced has a route pattern (a measured profile answer has none).
  if (cost.tp_all_reduces > 0 &&
      group.price(calibration::CollectiveKind::kAllReduce, cost.tp_all_reduce_bytes).provenance ==
          calibration::Provenance::kRoofline) {
    add(pattern(scenarios::CollectiveOp::kAllReduce, cost.tp_all_reduce_bytes),
        cost.tp_all_reduce_bytes * cost.tp_all_reduces);
  }
  if (cost.tp_all_gather_bytes > 0 && group.price(calibration::CollectiveKind::kAllGather, cost.tp_all_gather_bytes)
                                              .provenance == calibration::Provenance::kRoofline) {
    add(pattern(scenarios::CollectiveOp::kAllGather, cost.tp_all_gather_bytes), cost.tp_all_gather_bytes);
  }
  transfers_.clear();
  for (const auto& [pair, bytes] : merged_) {
    // Whole bytes, as SimGrid sizes them, in both the idle estimate and the transfers.
    transfers_.push_back({pair.first, pair.second, std::round(bytes)});
  }
  const double idle = transfers_.empty() ? 0.0 : evaluator_.step_time(transfers_);
  // The analytic iteration, less the idle time of the transfers that follow.
  const double before = std::max(0.0, cost.seconds - idle);
  if (before > 0) sg4::this_actor::sleep_for(before);
  if (!transfers_.empty()) {
    comms_.clear();
    for (const Transfer& t : transfers_) {
      comms_.push_back(sg4::Comm::sendto_async(platform_.gpu_host(t.from), platform_.gpu_host(t.to),
                                               static_cast<std::uint64_t>(t.bytes)));
    }
    sg4::Comm::wait_all(comms_);
  }
  return sg4::Engine::get_clock() - start;
}

}  // namespace stratum::sim
