#include "serving_faults.hpp"

#include <algorithm>
#include <limits>

namespace sg4 = simgrid::s4u;

namespace stratum::sim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

int node_count(const scenarios::Scenario& s) {
  int64_t n = 0;
  for (const scenarios::NodeGroup& g : s.cluster.nodes) n += g.count;
  return static_cast<int>(n);
}

std::string cause_of(const policies::FaultEvent& e, const std::vector<int>& nodes) {
  std::string what = e.kind == policies::FaultKind::kSpotInterruption
                         ? std::string("spot interruption")
                         : std::string(scenarios::to_string(e.component)) + " failure";
  std::string where;
  for (int n : nodes) where += (where.empty() ? " of node " : ",") + std::to_string(n);
  return "replica lost to a " + what + where + " at " + std::to_string(e.time_s) + " s";
}

}  // namespace

bool serving_has_faults(const scenarios::Scenario& s) {
  return s.serving && (s.cluster.spot.has_value() || s.cluster.failures.has_value());
}

ServingFaults::ServingFaults(const scenarios::Scenario& s, const std::vector<InstancePlacement>& placements,
                             ReplicaFleet& fleet, ServingShared& shared,
                             std::vector<std::vector<int>> nodes_behind_switch,
                             const std::vector<policies::FaultEvent>* scripted)
    : scenario_(s), fleet_(fleet), shared_(shared), scripted_(scripted) {
  inputs_.nodes = node_count(s);
  // Assumption (as training_faults.cpp): the failure rates are per GPU, counted with the first
  // node group's GPUs per node.
  inputs_.gpus_per_node = s.cluster.nodes.front().gpus_per_node;
  inputs_.nodes_behind_switch = std::move(nodes_behind_switch);
  inputs_.seed = s.seed;
  instances_ = static_cast<int>(placements.size());
  instances_of_node_.resize(static_cast<size_t>(inputs_.nodes));
  for (size_t i = 0; i < placements.size(); ++i) {
    for (const GpuSlot& slot : placements[i].slots) {
      std::vector<int>& on = instances_of_node_[static_cast<size_t>(slot.global_node)];
      if (on.empty() || on.back() != static_cast<int>(i)) on.push_back(static_cast<int>(i));
    }
  }
  // A stream of its own (seed_seq of the seed and a tag, as policies/fault_events.cpp does).
  std::seed_seq seq{static_cast<uint32_t>(s.seed), static_cast<uint32_t>(s.seed >> 32), 0x73727631u /* "srv1" */};
  software_rng_.seed(seq);
  if (s.cluster.spot) notice_s_ = s.cluster.spot->notice_s;
  // The first horizon: an hour or the last arrival, whichever is later; generate_faults only
  // appends events when the horizon grows (fault_events.hpp), so the choice changes no result.
  double last = 0;
  for (const RequestRecord& r : shared.requests) last = std::max(last, r.arrival_s);
  extend(std::max(3600.0, last));
  shared_.next_fault_s = actions_.empty() ? horizon_ - notice_s_ : std::min(actions_.top().time_s, horizon_ - notice_s_);
}

void ServingFaults::push(double t, Step step, size_t event) { actions_.push({t, seq_++, step, event}); }

void ServingFaults::extend(double horizon) {
  horizon_ = horizon;
  std::vector<policies::FaultEvent> all;
  if (scripted_ != nullptr) {
    if (!events_.empty()) return;
    all = *scripted_;
    horizon_ = kInf;
  } else {
    inputs_.horizon_s = horizon;
    all = policies::generate_faults(scenario_.cluster.spot, scenario_.cluster.failures, inputs_);
  }
  for (size_t k = events_.size(); k < all.size(); ++k) {
    const policies::FaultEvent& e = all[k];
    std::vector<int> hit;
    if (e.nodes.empty()) {
      // Assumption: a SOFTWARE failure (job-level in the generator, no node) crashes one serving
      // engine, drawn uniformly: replicas are independent processes.
      if (instances_ > 0) hit.push_back(static_cast<int>(software_rng_() % static_cast<uint64_t>(instances_)));
    } else {
      for (int n : e.nodes) {
        if (n < 0 || n >= inputs_.nodes) continue;
        for (int i : instances_of_node_[static_cast<size_t>(n)]) {
          if (std::find(hit.begin(), hit.end(), i) == hit.end()) hit.push_back(i);
        }
      }
      std::sort(hit.begin(), hit.end());
    }
    events_.push_back(e);
    hit_.push_back(std::move(hit));
    lost_.emplace_back();
    const bool spot = e.kind == policies::FaultKind::kSpotInterruption;
    if (spot && e.notice_s > 0) push(e.time_s - e.notice_s, Step::kNotice, k);
    push(e.time_s, Step::kLose, k);
    // A spot interruption is announced, so its requests go back at once; a failure's when it is
    // detected (FailureSpec::detection; the requests wait on the dead instance until then).
    push(spot ? e.time_s : std::max(e.time_s, e.detected_s), Step::kRequeue, k);
    if (e.back_s < kInf) push(e.back_s, Step::kBack, k);
  }
}

void ServingFaults::act(const Action& a) {
  const policies::FaultEvent& e = events_[a.event];
  const std::vector<int>& hit = hit_[a.event];
  const bool noticed = e.kind == policies::FaultKind::kSpotInterruption && e.notice_s > 0;
  switch (a.step) {
    case Step::kNotice:
      for (int i : hit) fleet_.fault_notice(i);
      break;
    case Step::kLose:
      if (!hit.empty()) ++(e.kind == policies::FaultKind::kSpotInterruption ? interruptions_ : failures_);
      for (int i : hit) {
        const std::vector<uint64_t> lost = fleet_.fault_lose(i, noticed);
        lost_[a.event].insert(lost_[a.event].end(), lost.begin(), lost.end());
      }
      break;
    case Step::kRequeue: {
      std::vector<int> nodes = e.nodes;
      fleet_.fault_requeue(lost_[a.event], cause_of(e, nodes));
      lost_[a.event].clear();
      break;
    }
    case Step::kBack:
      for (int i : hit) fleet_.fault_back(i);
      break;
  }
}

void ServingFaults::run() {
  while (true) {
    const double boundary = horizon_ - notice_s_;  // events beyond it may have notices before it
    if (actions_.empty() || actions_.top().time_s >= boundary) {
      if (boundary == kInf) {
        shared_.next_fault_s = kInf;
        return;
      }
      shared_.next_fault_s = boundary;
      if (boundary > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(boundary);
      extend(2 * horizon_);
      continue;
    }
    const Action a = actions_.top();
    shared_.next_fault_s = a.time_s;
    if (a.time_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(a.time_s);
    actions_.pop();
    act(a);
    const double next = actions_.empty() ? horizon_ - notice_s_ : std::min(actions_.top().time_s, horizon_ - notice_s_);
    shared_.next_fault_s = next;
  }
}

ServingRunResult::FaultTotals ServingFaults::totals(const std::vector<RequestRecord>& requests) const {
  ServingRunResult::FaultTotals t;
  t.interruptions = interruptions_;
  t.failures = failures_;
  for (const RequestRecord& r : requests) {
    if (r.retries == 0) continue;
    ++t.requests_retried;
    if (r.status == RequestStatus::kRejected) ++t.requests_failed_by_fault;
  }
  return t;
}

}  // namespace stratum::sim
