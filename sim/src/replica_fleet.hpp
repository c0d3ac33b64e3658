#pragma once
// The replica lifecycle of an autoscaled serving run (issue 8; docs/models.md "Autoscaling and
// replica lifecycle"). Every instance the replica group places exists from the start, but only
// some run: an instance is stopped, starting (its node boots for serving.node_start, then it reads
// the model's weights from serving.weights_tier, sharing the tier's bandwidth with the other reads
// at the time: StorageSystem), ready (the router sends it requests), or draining (no new
// requests; it finishes what it holds, then stops). The router holds requests while no instance
// is ready (scale to zero, every instance lost) and fails one with a reason when it has waited
// longer than serving.retry_timeout.
#include <simgrid/s4u.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "serving_instance.hpp"
#include "serving_shared.hpp"
#include "stratum/policies/routing.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/storage.hpp"

namespace stratum::sim {

class ReplicaFleet {
 public:
  enum class State { kStopped, kStarting, kReady, kDraining };

  // `instance_nodes`: each instance's first node (global index), where a local weights tier is
  // read; `storage` may be null when serving.weights_tier is empty. All must outlive the run.
  ReplicaFleet(ServingShared& shared, std::vector<std::unique_ptr<ServingInstance>>& instances,
               policies::Router& router, const RequestPrefixes* prefixes, const scenarios::ServingSpec& serving,
               const StorageSystem* storage, std::vector<int> instance_nodes, simgrid::s4u::Host* host);

  // Before the run: the first `n` instances are ready at time 0 (warm).
  void start_ready(int n);
  // The router actor's body: releases arrivals to ready instances, holds them while none is.
  void route_arrivals();
  // The autoscaler's decision: start stopped instances, or stop starting ones (newest first) and
  // drain ready ones (the most recently ready first, as a Kubernetes ReplicaSet picks pods).
  void scale_to(int desired);
  // An instance ran out of work (ServingShared::on_instance_idle): a draining one stops.
  void instance_idle(int index);

  // Issue 8, faults (serving_faults.hpp). enable_faults before the run: the router then waits on a
  // condition so that retried requests reach it at once, and restarts after it has finished.
  // `restart`: an instance is started again when its nodes return (a fixed fleet); otherwise the
  // autoscaler decides. fault_notice: a spot notice, the instance drains (and is down). fault_lose: its nodes
  // are lost (down until fault_back; overlapping faults count), its requests returned.
  // fault_requeue: they go back to the router (`cause` names the fault in a rejection).
  void enable_faults(bool restart);
  void fault_notice(int index);
  std::vector<uint64_t> fault_lose(int index, bool noticed);
  void fault_requeue(const std::vector<uint64_t>& ids, const std::string& cause);
  void fault_back(int index);
  bool down(int index) const { return down_[static_cast<size_t>(index)] > 0; }

  int ready() const { return count(State::kReady); }
  int starting() const { return count(State::kStarting); }
  int draining() const { return count(State::kDraining); }
  int current() const { return ready() + starting(); }  // what the autoscaler counts as replicas
  State state(int index) const { return state_[static_cast<size_t>(index)]; }
  int64_t held_at_router() const { return static_cast<int64_t>(pending_.size()); }
  // Seconds instance `index` has been held (starting, ready or draining) up to `now`.
  double held_s(int index, double now) const;
  // Requests in flight over the whole deployment: held at the router plus routed and unsettled.
  int64_t in_flight() const;
  int64_t starts() const { return starts_; }
  // Every change of state, in time order (trace.json counters, tests).
  struct Event {
    double time_s;
    int instance;
    State state;
  };
  const std::vector<Event>& events() const { return events_; }

 private:
  struct Pending {
    uint64_t id;
    double deadline_s;
    std::string cause;  // issue 8: the fault that sent it back; empty for a first arrival
  };
  void wait_router(double t);
  void deliver_to(int index, uint64_t id);
  int count(State s) const;
  void set_state(int index, State s, double now);
  void begin_start(int index);
  void become_ready(int index, int generation);
  void hold(uint64_t id, double now);
  void dispatch();
  void expire(double now);

  ServingShared& shared_;
  std::vector<std::unique_ptr<ServingInstance>>& instances_;
  policies::Router& router_;
  const RequestPrefixes* prefixes_;
  const scenarios::ReplicaLifecycleSpec& life_;
  const StorageSystem* storage_;
  std::vector<int> instance_nodes_;
  simgrid::s4u::Host* host_;
  std::vector<State> state_;
  std::vector<int> generation_;       // bumped by every start and stop: a stale start is ignored
  std::vector<double> ready_since_s_;
  std::vector<double> held_since_s_;  // start of the current hold; < 0 when stopped
  std::vector<double> held_total_s_;  // closed holds
  std::deque<Pending> pending_;       // at the router, in arrival order (deadlines increase)
  std::vector<policies::InstanceLoad> loads_;
  int64_t starts_ = 0;
  std::vector<Event> events_;
  // Issue 8, faults: per instance, faults holding its nodes down; the router's progress, whether
  // its actor runs, and the condition it waits on.
  bool faults_ = false;
  bool restart_ = false;
  std::vector<int> down_;
  size_t next_ = 0;
  bool routing_ = false;
  simgrid::s4u::MutexPtr router_mutex_;
  simgrid::s4u::ConditionVariablePtr router_cv_;
};

}  // namespace stratum::sim
