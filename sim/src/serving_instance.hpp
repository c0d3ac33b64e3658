#pragma once
// The serving-engine actor: one per instance (DESIGN.md section 4). Each loop asks the scheduling
// policy for the next batch, asks the cost model how long that iteration takes, sleeps that long,
// then advances request state. Requests arrive as ids in an inbox filled by the router.
#include <simgrid/s4u.hpp>

#include <deque>
#include <functional>
#include <optional>
#include <memory>
#include <vector>

#include "stratum/sim/flow_tensor_parallel.hpp"
#include "serving_pipeline.hpp"
#include "speculative_draft.hpp"
#include "stratum/policies/admission.hpp"
#include "serving_shared.hpp"
#include "stratum/sim/tp_collectives.hpp"
#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/cost_model.hpp"
#include "stratum/policies/batching.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

class Disaggregation;

class ServingInstance {
 public:
  // `profiles`: the scenario's calibration profiles; the GPU's, if any, prices its work.
  // `graph` (which must outlive the instance) and `gpus` (the global indices of its ranks, stage
  // after stage, layout.tensor_parallel per stage) let the collective API price its TP collectives
  // on their real routes. `kv_blocks`: the whole instance's. With more than one pipeline stage the
  // instance runs one virtual engine per stage (serving_pipeline.hpp): this object is the first
  // and owns the others, each with kv_blocks / stages blocks and its own actor.
  ServingInstance(int index, const InstancePlacement& placement, ServingShared& shared, const scenarios::ServingSpec& serving,
                  const scenarios::GpuSpec& gpu, const std::vector<scenarios::Profile>& profiles,
                  const topology::ClusterGraph& graph, std::vector<int> gpus, calibration::ParallelLayout layout,
                  int64_t kv_blocks, ServingInstance* front = nullptr);

  void run();  // the actor body of this virtual engine
  // Every virtual engine's actor body, this one's first (one for an instance without pipeline).
  std::vector<ServingInstance*> virtual_engines();
  // Flow fidelity for a tensor-parallel group across nodes (no pipeline): its collectives then go
  // through SimGrid (flow_tensor_parallel.hpp) and no iteration runs ahead of SimGrid's clock.
  void use_flow_collectives(std::unique_ptr<FlowTensorParallel> flow) { flow_tp_ = std::move(flow); }

  // Called by the router (same simulated instant, cooperative scheduling: no lock needed).
  void deliver(uint64_t request_id);
  void wake();
  // Prefill-decode disaggregation (disaggregation.hpp): set before the run on the front engine
  // (it reaches the virtual engines); null when co-located.
  void set_disaggregation(Disaggregation* d);
  // Frees the KV blocks a finished prefill kept for its transfer, and wakes the instance.
  void release_kv(uint64_t request_id);

  // The instance's (all its virtual engines').
  int64_t outstanding() const;
  // Busy seconds up to `now`, counting the iteration in progress (pipeline: mean over stages).
  double busy_until(double now) const;
  policies::BatcherStats stats() const;
  // Admission control (issue 6): prefill tokens queued at `priority` or higher, all virtual engines.
  int64_t queued_prefill_tokens(int priority) const;
  // The instance's prefill throughput as admission estimates it: one iteration of
  // max_batched_tokens prompt tokens on an empty cache, priced by its iteration model.
  policies::PrefillCapacity prefill_capacity() const;
  InstanceSummary summary() const;
  // Issue 8: the instance's GPUs are lost (spot interruption, failure; serving_faults.hpp). Its
  // waiting and running requests lose their KV cache and are returned (ids, in routing order) for
  // the router to retry; an iteration in flight is void. Instances without pipeline only.
  std::vector<uint64_t> lose(double now);
  // The actor's body has returned (no work and no more inputs); a delivery then needs a new actor.
  bool exited() const { return exited_; }
  void restarted() { exited_ = false; }
  // Prefix caching: KV offload tiers below it (serving.kv_tiers), and its counters.
  void set_kv_offload(policies::KvOffloadConfig config);
  policies::PrefixCacheStats prefix_cache_stats() const;

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
  void settle(const RequestRecord& r);  // settle() and the disaggregation hook

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
  // Issue 6: speculative decoding's draft (null when off); each class's priority (empty without
  // classes); the scheduler's token budget and chunking, for prefill_capacity().
  std::unique_ptr<SpeculativeDraft> draft_;
  std::vector<int> class_priority_;
  int64_t max_batched_tokens_ = 0;
  bool chunked_prefill_ = false;
  // Pipeline parallelism: the stages' costs and occupancy (owned by the first virtual engine) and
  // the other virtual engines; null and empty without.
  std::unique_ptr<ServingPipeline> own_pipeline_;
  ServingPipeline* pipeline_ = nullptr;
  ServingInstance* front_ = this;
  std::vector<std::unique_ptr<ServingInstance>> siblings_;
  Disaggregation* disagg_ = nullptr;  // null when co-located
  double busy_share_ = 1;  // this iteration's busy seconds per second (pipeline: stage compute / stages / span)
  std::unique_ptr<FlowTensorParallel> flow_tp_;  // null: collectives priced analytically
  calibration::IterationCost last_cost_;         // of the iteration begun last (flow: its collectives)
  // Issue 8: a fresh batcher after a loss (the constructor's arguments), the offload tiers it gets,
  // the batcher of a void iteration still in flight, and a count of losses (a stale iteration's mark).
  std::function<std::unique_ptr<policies::Batcher>()> make_batcher_;
  std::optional<policies::KvOffloadConfig> kv_offload_;
  std::unique_ptr<policies::Batcher> void_batcher_;
  int64_t losses_ = 0;
  bool exited_ = false;
};

}  // namespace stratum::sim
