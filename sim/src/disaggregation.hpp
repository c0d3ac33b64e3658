#pragma once
// Prefill-decode disaggregation in a serving run (DistServe, Zhong et al. OSDI 2024; Splitwise,
// Patel et al. ISCA 2024; Mooncake, Qin et al. FAST 2025). When serving.replica groups have roles:
//
// 1. The router sends each arrival to a PREFILL_ONLY instance (its policy, over that pool only),
//    unless no DECODE_ONLY instance could ever hold the request's KV cache (prompt + output), in
//    which case it is rejected there with the numbers, before any prefill.
// 2. The prefill instance prefills the prompt and emits the first token (TTFT ends there, as in
//    DistServe and Splitwise). A request with one output token completes there. Otherwise its KV
//    blocks stay held and, at that instant, a decode instance is chosen
//    (policies::choose_decode_instance: least KV load) and the transfer starts: one point-to-point
//    transfer per GPU pair of policies::kv_shard_map, the prompt's tokens x the model's KV bytes
//    per token in all. DistServe sends the cache after the prefill, as here; Splitwise overlaps it
//    with the prefill layer by layer (not modelled: the transfer time is on the critical path).
// 3. `flow` fidelity: each pair is a SimGrid communication on the platform's route, so transfers
//    share links with each other and any other traffic. `analytic`: the transfers of one request
//    take the alpha-beta time of the collective API's point-to-point pricing
//    (AnalyticEvaluator::step_time: path latency + bytes / bottleneck, sharing within the request
//    counted), other traffic not seen.
// 4. When the last pair arrives, the prefill instance frees the blocks and the decode instance
//    gets the request with its cache present (ContinuousBatcher prefilled sequences): it waits for
//    blocks if it has none, then decodes the remaining tokens.
//
// One transfer-manager actor per run awaits every transfer (SimGrid 3.32 cannot hold an actor per
// request): in analytic fidelity it sleeps on a condition variable until the next known arrival;
// in flow fidelity it waits on all communications in flight with Activity::wait_any, plus a
// "doorbell" (an endless Exec on its host that a prefill instance cancels when it starts new
// communications, which wakes the manager at that instant with a CancelException).
//
// Time: instances of a disaggregated run never run ahead of SimGrid's clock (no fast-forward in
// ServingInstance::run_busy_period): each iteration is one SimGrid sleep, so every transfer starts
// at its prefill's true end, a delivery or a release of held blocks is seen at its instant, and no
// instance has run past it. Fast-forward is kept for co-located runs only; its cost here is
// measured in docs/performance.md. (Running decode instances ahead would need, as a horizon, the
// earliest end of any prefill iteration that could still start now, which a prefill instance woken
// but not yet scheduled at the same instant does not know yet.)
#include <simgrid/s4u.hpp>

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "serving_shared.hpp"
#include "stratum/policies/batching.hpp"
#include "stratum/policies/disaggregation.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/collective_analytic.hpp"
#include "stratum/sim/platform.hpp"
#include "stratum/sim/route_table.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

class ServingInstance;

// Why a disaggregated deployment cannot run on this cluster (a prefill instance that no decode
// instance can be reached from: nodes without a fabric); empty when it can. For check_serving.
std::string disaggregation_reachability_error(const scenarios::Scenario& scenario,
                                              const std::vector<InstancePlacement>& placements,
                                              const topology::ClusterGraph& graph);

class Disaggregation {
 public:
  // Keeps references to all arguments, which must outlive it.
  Disaggregation(const scenarios::Scenario& scenario, const std::vector<InstancePlacement>& placements,
                 const topology::ClusterGraph& graph, RouteTable& routes);
  ~Disaggregation();

  // Adds the GPU hosts and the (prefill GPU, decode GPU) routes the transfers use.
  void extend_scope(PlatformScope& scope) const;
  // Hooks itself into the instances and starts the transfer-manager actor on `host`, once the
  // platform and the instances exist.
  void start(const Platform& platform, ServingShared& shared, std::vector<std::unique_ptr<ServingInstance>>& instances,
             simgrid::s4u::Host* host);

  // Instances the router may send arrivals to (the prefill pool), ascending.
  const std::vector<int>& prefill_pool() const { return prefill_; }
  // At an arrival: false (and the request rejected with the numbers) when no decode instance can
  // ever hold its KV cache; true when it enters the prefill pool.
  bool admit_arrival(RequestRecord& r, double now);
  // The router has released every arrival.
  void arrivals_done();

  // ServingInstance hooks (the instance's index first).
  // Turns the request into the instance's part of it (prefill_only or prefilled).
  void prepare(int instance, RequestRecord& r, policies::SequenceRequest& seq) const;
  // A sequence finished on `instance` at `now`: true when it was a prefill whose cache now goes to
  // a decode instance (the request is not complete), false when the request is complete.
  // `engine` is the (virtual) engine whose batcher holds the blocks; it must outlive the transfer.
  bool hand_off(int instance, ServingInstance* engine, RequestRecord& r, double now);
  void decode_started(int instance, const RequestRecord& r);  // its first decode iteration began
  void settled(int instance, const RequestRecord& r);         // completed or rejected on `instance`

 private:
  struct Flight {
    uint64_t id = 0;
    int prefill = 0;
    int decode = 0;
    ServingInstance* engine = nullptr;  // holds the KV blocks at the prefill instance
    int pending_comms = 0;
    int64_t blocks = 0;  // decode-side blocks of the prompt
    double arrival_s = 0;  // analytic: when the last pair arrives
  };
  std::vector<Transfer> pairs(int prefill, int decode, int64_t tokens) const;
  bool reachable(int prefill, int decode) const;
  void manage();            // the transfer manager's body
  void manage_analytic();
  void manage_flow();
  void deliver(size_t flight);
  void wake_all_if_done();

  const scenarios::Scenario& scenario_;
  const std::vector<InstancePlacement>& placements_;
  const topology::ClusterGraph& graph_;
  RouteTable& routes_;
  ServingShared* shared_ = nullptr;
  bool flow_ = true;
  std::vector<scenarios::ReplicaRole> role_;   // by instance
  std::vector<int> prefill_, decode_;          // instance indices by pool
  std::vector<int64_t> capacity_;              // by instance: most blocks one sequence may hold
  std::vector<std::vector<int>> gpus_;         // global GPU indices by instance, slot order
  std::vector<std::vector<char>> reachable_;   // [prefill pool index][decode pool index]
  // kv_shard_map per (prefill replica group, decode replica group).
  std::vector<std::vector<std::vector<policies::KvShardTransfer>>> maps_;
  double cell_bytes_ = 0;                      // per token, per (layer, KV head)
  int64_t block_size_ = 16;
  int64_t largest_decode_blocks_ = 0;          // usable (after watermark) blocks of the largest decode cache
  std::vector<int64_t> pending_blocks_;        // by instance: blocks of sequences on their way or queued
  AnalyticEvaluator evaluator_;
  const Platform* platform_ = nullptr;
  std::vector<std::unique_ptr<ServingInstance>>* instances_ = nullptr;

  std::vector<Flight> flights_;                // by slot; free slots listed in free_
  std::vector<size_t> free_;
  std::vector<size_t> started_;                // flow: flights whose comms were started, not yet seen
  int64_t in_flight_ = 0;
  // Analytic: (arrival time, sequence number, flight slot), earliest first.
  struct Due {
    double at;
    uint64_t seq;
    size_t flight;
    bool operator>(const Due& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  uint64_t seq_ = 0;
  // Flow: communications in flight and the flight each belongs to.
  std::vector<simgrid::s4u::CommPtr> new_comms_;
  std::vector<size_t> new_owner_;
  simgrid::s4u::ExecPtr doorbell_;
  bool doorbell_armed_ = false;
  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::ConditionVariablePtr wakeup_;
};

}  // namespace stratum::sim
