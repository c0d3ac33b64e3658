#pragma once
// The serving-engine actor: one per instance (DESIGN.md section 4). Each loop asks the scheduling
// policy for the next batch, asks the cost model how long that iteration takes, sleeps that long,
// then advances request state. Requests arrive as ids in an inbox filled by the router.
#include <simgrid/s4u.hpp>

#include <deque>
#include <memory>
#include <vector>

#include "serving_shared.hpp"
#include "stratum/sim/tp_collectives.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/cost_model.hpp"
#include "stratum/policies/batching.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

class ServingInstance {
 public:
  // `profiles`: the scenario's calibration profiles; the GPU's, if any, prices its work.
  // `graph` (which must outlive the instance) and `gpus` (the global indices of its tensor-parallel
  // ranks) let the collective API price its TP collectives on their real routes.
  ServingInstance(int index, const InstancePlacement& placement, ServingShared& shared, const scenarios::ServingSpec& serving,
                  const scenarios::GpuSpec& gpu, const std::vector<scenarios::Profile>& profiles,
                  const topology::ClusterGraph& graph, std::vector<int> gpus, calibration::ParallelLayout layout,
                  int64_t kv_blocks);

  void run();  // the actor body

  // Called by the router (same simulated instant, cooperative scheduling: no lock needed).
  void deliver(uint64_t request_id);
  void wake() { wakeup_->notify_all(); }

  int64_t outstanding() const { return outstanding_; }
  // Busy seconds up to `now`, counting the iteration in progress.
  double busy_until(double now) const { return busy_done_ + (in_iteration_ ? now - iteration_start_ : 0.0); }
  policies::BatcherStats stats() const { return batcher_->stats(); }
  const InstanceSummary& summary() const { return summary_; }

 private:
  void admit_inbox(double now);
  void run_busy_period(const policies::Batch& first);
  // Records the start of an iteration at `start` and returns its duration.
  double begin_iteration(const policies::Batch& batch, double start);
  // Applies an iteration's outcome at `now`.
  void finish_iteration(const policies::Batch& batch, double seconds, double now);
  void record_rejections(double now);
  void reject_stalled(double now);
  void settle();  // one more request completed or rejected

  int index_;
  ServingShared& shared_;
  std::unique_ptr<calibration::CostModel> costs_;
  std::unique_ptr<TensorParallelCollectives> tp_collectives_;  // null without tensor parallelism
  calibration::IterationModel iteration_model_;
  std::unique_ptr<policies::Batcher> batcher_;
  std::deque<uint64_t> inbox_;
  std::vector<uint64_t> assigned_;  // every request routed here, to account for them on a stall
  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::ConditionVariablePtr wakeup_;
  calibration::IterationBatch iteration_batch_;  // reused to keep the hot path allocation-free
  int64_t outstanding_ = 0;
  double busy_done_ = 0;
  double iteration_start_ = 0;
  bool in_iteration_ = false;
  InstanceSummary summary_;
};

}  // namespace stratum::sim
