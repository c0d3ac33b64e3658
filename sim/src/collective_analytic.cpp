#include "stratum/sim/collective_analytic.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace stratum::sim {

AnalyticEvaluator::AnalyticEvaluator(RouteTable& routes)
    : routes_(&routes), load_(2 * routes.graph().link_count(), 0.0) {}

double AnalyticEvaluator::step_time(const std::vector<Transfer>& transfers) {
  const topology::ClusterGraph& graph = routes_->graph();
  for (const Transfer& t : transfers) {
    const RouteTable::Entry e = routes_->get(t.from, t.to);
    if (!e.connected) {
      throw std::runtime_error("collective: GPU " + std::to_string(t.from) + " cannot reach GPU " +
                               std::to_string(t.to) + " (no fabric joins their nodes)");
    }
    for (const DirectedLink d : routes_->hops(e)) {
      if (load_[d] == 0) touched_.push_back(d);
      load_[d] += t.bytes;
    }
  }
  double slowest = 0;
  for (const Transfer& t : transfers) {
    const RouteTable::Entry e = routes_->get(t.from, t.to);
    double drain = 0;
    for (const DirectedLink d : routes_->hops(e)) drain = std::max(drain, load_[d] / graph.link(link_of(d)).bandwidth);
    slowest = std::max(slowest, e.latency + drain);
  }
  for (const DirectedLink d : touched_) load_[d] = 0;
  touched_.clear();
  return slowest;
}

double AnalyticEvaluator::time(const CollectivePlan& plan) {
  const CollectivePlan* one[] = {&plan};
  return time(std::span<const CollectivePlan* const>(one));
}

double AnalyticEvaluator::time(std::span<const CollectivePlan* const> plans) {
  std::vector<int> changes;
  int steps = 0;
  for (const CollectivePlan* p : plans) {
    changes.insert(changes.end(), p->change_points().begin(), p->change_points().end());
    changes.push_back(p->step_count());  // a plan ending changes the mix of the others' steps
    steps = std::max(steps, p->step_count());
  }
  std::sort(changes.begin(), changes.end());
  changes.erase(std::unique(changes.begin(), changes.end()), changes.end());
  double total = 0;
  for (std::size_t i = 0; i < changes.size() && changes[i] < steps; ++i) {
    const int s = changes[i];
    const int next = i + 1 < changes.size() ? std::min(changes[i + 1], steps) : steps;
    step_.clear();
    for (const CollectivePlan* p : plans) {
      if (s >= p->step_count()) continue;
      p->step(s, part_);
      step_.insert(step_.end(), part_.begin(), part_.end());
    }
    total += static_cast<double>(next - s) * step_time(step_);
  }
  return total;
}

scenarios::CollectiveAlgorithm choose_algorithm(const CollectiveCall& call, const topology::ClusterGraph& graph,
                                                AnalyticEvaluator& evaluator) {
  using scenarios::CollectiveAlgorithm;
  CollectiveAlgorithm best = CollectiveAlgorithm::kRing;
  double best_time = 0;
  bool first = true;
  for (const CollectiveAlgorithm a :
       {CollectiveAlgorithm::kRing, CollectiveAlgorithm::kTree, CollectiveAlgorithm::kHierarchical}) {
    CollectiveCall c = call;
    c.algorithm = a;
    const CollectivePlan plan(c, graph);
    if (plan.algorithm() != a) continue;  // fell back to another algorithm: nothing new to compare
    const double t = evaluator.time(plan);
    if (first || t < best_time) {
      best = a;
      best_time = t;
      first = false;
    }
  }
  return best;
}

}  // namespace stratum::sim
