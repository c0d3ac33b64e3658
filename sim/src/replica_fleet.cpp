#include "replica_fleet.hpp"

#include <algorithm>
#include <limits>

namespace sg4 = simgrid::s4u;

namespace stratum::sim {

ReplicaFleet::ReplicaFleet(ServingShared& shared, std::vector<std::unique_ptr<ServingInstance>>& instances,
                           policies::Router& router, const RequestPrefixes* prefixes,
                           const scenarios::ServingSpec& serving, const StorageSystem* storage,
                           std::vector<int> instance_nodes, sg4::Host* host)
    : shared_(shared),
      instances_(instances),
      router_(router),
      prefixes_(prefixes),
      life_(serving.lifecycle),
      storage_(storage),
      instance_nodes_(std::move(instance_nodes)),
      host_(host),
      state_(instances.size(), State::kStopped),
      generation_(instances.size(), 0),
      ready_since_s_(instances.size(), 0.0),
      held_since_s_(instances.size(), -1.0),
      held_total_s_(instances.size(), 0.0),
      down_(instances.size(), 0) {}

int ReplicaFleet::count(State s) const { return static_cast<int>(std::count(state_.begin(), state_.end(), s)); }

double ReplicaFleet::held_s(int index, double now) const {
  const auto i = static_cast<size_t>(index);
  return held_total_s_[i] + (held_since_s_[i] >= 0 ? now - held_since_s_[i] : 0.0);
}

int64_t ReplicaFleet::in_flight() const {
  int64_t n = held_at_router();
  for (const auto& instance : instances_) n += instance->outstanding();
  return n;
}

void ReplicaFleet::set_state(int index, State s, double now) {
  const auto i = static_cast<size_t>(index);
  if (state_[i] == State::kStopped && s != State::kStopped) held_since_s_[i] = now;
  if (state_[i] != State::kStopped && s == State::kStopped) {
    held_total_s_[i] += now - held_since_s_[i];
    held_since_s_[i] = -1;
  }
  if (s == State::kReady) ready_since_s_[i] = now;
  state_[i] = s;
  events_.push_back({now, index, s});
  shared_.trace.replicas.push_back({now, index, ready(), starting(), draining()});
}

void ReplicaFleet::start_ready(int n) {
  for (int i = 0; i < n && i < static_cast<int>(state_.size()); ++i) set_state(i, State::kReady, 0.0);
}

void ReplicaFleet::begin_start(int index) {
  set_state(index, State::kStarting, sg4::Engine::get_clock());
  const int generation = ++generation_[static_cast<size_t>(index)];
  ++starts_;
  sg4::Actor::create("start-" + std::to_string(index), host_, [this, index, generation] {
    if (life_.node_start_s > 0) sg4::this_actor::sleep_for(life_.node_start_s);
    // The weights: latency plus bytes over the bandwidth this read gets while it shares the tier
    // (StorageSystem, max-min sharing among concurrent reads).
    if (storage_ != nullptr && !life_.weights_tier.empty()) {
      storage_->read(life_.weights_tier, instance_nodes_[static_cast<size_t>(index)], life_.weight_bytes);
    }
    become_ready(index, generation);
  });
}

void ReplicaFleet::become_ready(int index, int generation) {
  // Stopped (scaled down) while it started: the start is void.
  if (generation_[static_cast<size_t>(index)] != generation || state(index) != State::kStarting) return;
  set_state(index, State::kReady, sg4::Engine::get_clock());
  dispatch();
}

void ReplicaFleet::scale_to(int desired) {
  const double now = sg4::Engine::get_clock();
  int change = desired - current();
  // Up: stopped instances in placement order (a draining one finishes first; it is not reused).
  for (size_t i = 0; change > 0 && i < state_.size(); ++i) {
    if (state_[i] != State::kStopped || down_[i] > 0) continue;  // issue 8: its nodes are lost
    begin_start(static_cast<int>(i));
    --change;
  }
  // Down: a ReplicaSet deletes not-ready pods before ready ones, and among ready pods the most
  // recently ready first (kubernetes pkg/controller/replicaset getPodsToDelete, ActivePodsWithRanks).
  while (change < 0) {
    int pick = -1;
    for (size_t i = 0; i < state_.size(); ++i) {
      const State s = state_[i];
      if (s != State::kStarting && s != State::kReady) continue;
      if (pick < 0) {
        pick = static_cast<int>(i);
        continue;
      }
      const auto p = static_cast<size_t>(pick);
      const bool starting_first = s == State::kStarting && state_[p] == State::kReady;
      const bool same = s == state_[p];
      const double key = s == State::kStarting ? held_since_s_[i] : ready_since_s_[i];
      const double key_p = state_[p] == State::kStarting ? held_since_s_[p] : ready_since_s_[p];
      if (starting_first || (same && key >= key_p)) pick = static_cast<int>(i);
    }
    if (pick < 0) break;
    if (state(pick) == State::kStarting) {
      ++generation_[static_cast<size_t>(pick)];
      set_state(pick, State::kStopped, now);
    } else {
      set_state(pick, State::kDraining, now);
      instance_idle(pick);
    }
    ++change;
  }
}

void ReplicaFleet::instance_idle(int index) {
  if (state(index) != State::kDraining || instances_[static_cast<size_t>(index)]->outstanding() > 0) return;
  set_state(index, State::kStopped, sg4::Engine::get_clock());
}

void ReplicaFleet::hold(uint64_t id, double now) { pending_.push_back({id, now + life_.retry_timeout_s, {}}); }

void ReplicaFleet::deliver_to(int index, uint64_t id) {
  ServingInstance& target = *instances_[static_cast<size_t>(index)];
  target.deliver(id);
  // Issue 8: a retried request reaches an instance whose actor had finished (no work, no inputs).
  if (target.exited()) {
    target.restarted();
    ServingInstance* instance = &target;
    sg4::Actor::create("instance-" + std::to_string(index) + "-again", host_, [instance] { instance->run(); });
  }
  target.wake();
}

void ReplicaFleet::enable_faults(bool restart) {
  faults_ = true;
  restart_ = restart;
  router_mutex_ = sg4::Mutex::create();
  router_cv_ = sg4::ConditionVariable::create();
}

void ReplicaFleet::wait_router(double t) {
  if (!faults_) {
    sg4::this_actor::sleep_until(t);
    return;
  }
  std::unique_lock lock(*router_mutex_);
  if (t == std::numeric_limits<double>::infinity()) {
    router_cv_->wait(lock);
  } else {
    router_cv_->wait_until(lock, t);
  }
}

void ReplicaFleet::fault_notice(int index) {
  const auto i = static_cast<size_t>(index);
  ++down_[i];
  const double now = sg4::Engine::get_clock();
  if (state_[i] == State::kStarting) {  // its start is void: the node goes away
    ++generation_[i];
    set_state(index, State::kStopped, now);
  } else if (state_[i] == State::kReady) {
    set_state(index, State::kDraining, now);
    instance_idle(index);
  }
}

std::vector<uint64_t> ReplicaFleet::fault_lose(int index, bool noticed) {
  const auto i = static_cast<size_t>(index);
  if (!noticed) ++down_[i];
  const double now = sg4::Engine::get_clock();
  std::vector<uint64_t> lost = instances_[i]->lose(now);
  if (state_[i] == State::kStarting) ++generation_[i];
  if (state_[i] != State::kStopped) set_state(index, State::kStopped, now);
  return lost;
}

void ReplicaFleet::fault_requeue(const std::vector<uint64_t>& ids, const std::string& cause) {
  if (ids.empty()) return;
  const double now = sg4::Engine::get_clock();
  // Deadlines stay in order: every one held earlier ends no later than now + retry_timeout.
  for (uint64_t id : ids) pending_.push_back({id, now + life_.retry_timeout_s, cause});
  dispatch();
  if (pending_.empty()) return;
  if (shared_.on_request_held) shared_.on_request_held();
  if (routing_) {
    router_cv_->notify_all();  // its next deadline may now be earlier
  } else {
    shared_.arrivals_done = false;
    sg4::Actor::create("router-again", host_, [this] { route_arrivals(); });
  }
}

void ReplicaFleet::fault_back(int index) {
  const auto i = static_cast<size_t>(index);
  if (--down_[i] > 0 || state_[i] != State::kStopped || !restart_) return;
  begin_start(index);
}

// The router's pick over the ready instances, for each held request in arrival order.
void ReplicaFleet::dispatch() {
  std::vector<int> pool;
  for (size_t i = 0; i < state_.size(); ++i) {
    if (state_[i] == State::kReady) pool.push_back(static_cast<int>(i));
  }
  if (pool.empty() || pending_.empty()) return;
  loads_.resize(pool.size());
  const policies::RouterView view{loads_};
  while (!pending_.empty()) {
    const RequestRecord& request = shared_.requests[pending_.front().id];
    pending_.pop_front();
    for (size_t i = 0; i < pool.size(); ++i) {
      const ServingInstance& instance = *instances_[static_cast<size_t>(pool[i])];
      const policies::BatcherStats stats = instance.stats();
      loads_[i] = {instance.outstanding(), stats.kv_blocks_used, stats.kv_blocks_total};
    }
    policies::RequestView seen{request.id, request.input_tokens, {}};
    if (prefixes_ != nullptr) seen.prefix_hashes = prefixes_->of(request.id);
    deliver_to(pool[router_.pick(view, seen)], request.id);
  }
}

void ReplicaFleet::expire(double now) {
  while (!pending_.empty() && pending_.front().deadline_s <= now) {
    RequestRecord& r = shared_.requests[pending_.front().id];
    const std::string cause = std::move(pending_.front().cause);
    pending_.pop_front();
    r.status = RequestStatus::kRejected;
    r.reason = cause.empty() ? "no ready instance within serving.retry_timeout"
                             : cause + "; no ready instance within serving.retry_timeout";
    r.finish_s = now;
    ++shared_.settled;
  }
}

void ReplicaFleet::route_arrivals() {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<RequestRecord>& requests = shared_.requests;
  size_t& next = next_;  // kept across a restart (issue 8)
  routing_ = true;
  while (next < requests.size() || !pending_.empty()) {
    const double arrival = next < requests.size() ? requests[next].arrival_s : inf;
    const double deadline = pending_.empty() ? inf : pending_.front().deadline_s;
    const double t = std::min(arrival, deadline);
    shared_.next_arrival_s = t;
    if (t > sg4::Engine::get_clock()) wait_router(t);
    const double now = sg4::Engine::get_clock();
    while (next < requests.size() && requests[next].arrival_s <= now) hold(requests[next++].id, now);
    dispatch();
    if (!pending_.empty() && shared_.on_request_held) shared_.on_request_held();
    expire(now);
  }
  routing_ = false;
  shared_.arrivals_done = true;
  shared_.next_arrival_s = inf;
  for (auto& instance : instances_) instance->wake();
}

}  // namespace stratum::sim
