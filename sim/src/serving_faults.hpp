#pragma once
// Serving replicas lost to spot interruptions and component failures (issue 8; docs/models.md
// "Autoscaling and replica lifecycle"). The events come from policies::generate_faults (seeded,
// per node) for the whole cluster; an instance with a GPU on a lost node stops. A spot notice
// drains it first (no new requests); at the loss its waiting and running requests lose their KV
// cache and go back to the router (RequestRecord::retries), at once for a spot interruption and
// at detection for a failure; the instance starts again when its nodes return (node_start, then
// the weights through serving.weights_tier) unless an autoscaler decides the replica count.
#include <simgrid/s4u.hpp>

#include <queue>
#include <random>
#include <string>
#include <vector>

#include "replica_fleet.hpp"
#include "serving_shared.hpp"
#include "stratum/policies/fault_events.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

// cluster.spot or cluster.failures is set (a serving run then goes through the fleet).
bool serving_has_faults(const scenarios::Scenario& s);

class ServingFaults {
 public:
  // `scripted`: events to use instead of generated ones (tests); may be null. `nodes_behind_switch`:
  // topology::nodes_behind_leaves of the cluster (SWITCH failures); empty without a fabric.
  ServingFaults(const scenarios::Scenario& s, const std::vector<InstancePlacement>& placements, ReplicaFleet& fleet,
                ServingShared& shared, std::vector<std::vector<int>> nodes_behind_switch,
                const std::vector<policies::FaultEvent>* scripted);
  void run();  // the actor body (a daemon: it ends with the run)
  ServingRunResult::FaultTotals totals(const std::vector<RequestRecord>& requests) const;

 private:
  enum class Step { kNotice, kLose, kRequeue, kBack };
  struct Action {
    double time_s;
    int64_t seq;  // ties in insertion order
    Step step;
    size_t event;
    bool operator>(const Action& o) const { return time_s != o.time_s ? time_s > o.time_s : seq > o.seq; }
  };
  void extend(double horizon);  // events up to `horizon`, their actions queued
  void push(double t, Step step, size_t event);
  void act(const Action& a);

  const scenarios::Scenario& scenario_;
  ReplicaFleet& fleet_;
  ServingShared& shared_;
  const std::vector<policies::FaultEvent>* scripted_;
  policies::FaultInputs inputs_;
  std::vector<std::vector<int>> instances_of_node_;
  int instances_ = 0;
  std::vector<policies::FaultEvent> events_;
  std::vector<std::vector<int>> hit_;            // per event, the instances it takes down
  std::vector<std::vector<uint64_t>> lost_;      // per event, requests waiting for detection
  std::priority_queue<Action, std::vector<Action>, std::greater<>> actions_;
  int64_t seq_ = 0;
  double horizon_ = 0;
  double notice_s_ = 0;  // the longest spot notice: events are generated that far ahead
  std::mt19937_64 software_rng_;  // which instance a SOFTWARE failure (job-level, no node) takes
  int64_t interruptions_ = 0, failures_ = 0;
};

}  // namespace stratum::sim
