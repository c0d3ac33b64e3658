#include "disaggregation.hpp"

#include <simgrid/Exception.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

#include "serving_instance.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/calibration/precision_plan.hpp"
#include "stratum/policies/continuous_batcher.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {
namespace {

scenarios::ReplicaRole role_of(const scenarios::Scenario& s, const InstancePlacement& p) {
  return s.serving->replicas[static_cast<size_t>(p.replica_group)].role;
}

std::vector<int> global_gpus(const InstancePlacement& place, const topology::ClusterGraph& graph) {
  std::vector<int> out;
  for (const GpuSlot& slot : place.slots) out.push_back(graph.vertex(graph.gpu(slot.global_node, slot.local_gpu)).gpu);
  return out;
}

int64_t watermark(int64_t blocks) {
  // As ContinuousBatcher: vLLM's watermark_blocks = int(0.01 x num_gpu_blocks).
  return static_cast<int64_t>(policies::ContinuousBatcher::kWatermark * static_cast<double>(std::max<int64_t>(0, blocks)));
}

policies::KvLayout layout_of(const scenarios::Scenario& s, int replica_group) {
  const scenarios::ReplicaSpec& r = s.serving->replicas[static_cast<size_t>(replica_group)];
  return {r.tensor_parallel, r.pipeline_parallel};
}

// An "endless" computation (the hosts run at 1 flop/s, platform.cpp) whose cancellation wakes the
// flow manager; it never completes by itself.
constexpr double kDoorbellFlops = 1e300;

}  // namespace

std::string disaggregation_reachability_error(const scenarios::Scenario& scenario,
                                              const std::vector<InstancePlacement>& placements,
                                              const topology::ClusterGraph& graph) {
  if (!scenario.serving || !scenario.serving->disaggregated()) return {};
  RouteTable routes(graph);
  std::vector<int> decode;
  for (size_t i = 0; i < placements.size(); ++i) {
    if (role_of(scenario, placements[i]) == scenarios::ReplicaRole::kDecode) decode.push_back(static_cast<int>(i));
  }
  for (size_t p = 0; p < placements.size(); ++p) {
    if (role_of(scenario, placements[p]) != scenarios::ReplicaRole::kPrefill) continue;
    const std::vector<int> from = global_gpus(placements[p], graph);
    bool any = false;
    for (int d : decode) {
      const std::vector<int> to = global_gpus(placements[static_cast<size_t>(d)], graph);
      // GPU 0 of both sides always exchange a shard (both hold layer 0, head 0); the other pairs
      // lie in the same nodes' components, so one route decides.
      if (routes.get(from.front(), to.front()).connected) {
        any = true;
        break;
      }
    }
    if (!any) {
      const std::string where = "serving.replica[" + std::to_string(placements[p].replica_group) + "]";
      return where + ": a PREFILL_ONLY instance on node " + std::to_string(placements[p].global_node) +
             " cannot reach any DECODE_ONLY instance (the cluster has no fabric joining their nodes); expected "
             "cluster { fabric { ... } } or a DECODE_ONLY instance on the same node";
    }
  }
  return {};
}

Disaggregation::Disaggregation(const scenarios::Scenario& scenario, const std::vector<InstancePlacement>& placements,
                               const topology::ClusterGraph& graph, RouteTable& routes)
    : scenario_(scenario),
      placements_(placements),
      graph_(graph),
      routes_(routes),
      flow_(scenario.fidelity == scenarios::CommFidelity::kFlow),
      evaluator_(routes),
      mutex_(sg4::Mutex::create()),
      wakeup_(sg4::ConditionVariable::create()) {
  const scenarios::ServingSpec& serving = *scenario.serving;
  const size_t n = placements.size();
  for (size_t i = 0; i < n; ++i) {
    role_.push_back(role_of(scenario, placements[i]));
    if (role_.back() == scenarios::ReplicaRole::kPrefill) prefill_.push_back(static_cast<int>(i));
    if (role_.back() == scenarios::ReplicaRole::kDecode) decode_.push_back(static_cast<int>(i));
    gpus_.push_back(global_gpus(placements[i], graph));
  }
  const size_t groups = serving.replicas.size();
  maps_.assign(groups, std::vector<std::vector<policies::KvShardTransfer>>(groups));
  for (size_t a = 0; a < groups; ++a) {
    if (serving.replicas[a].role != scenarios::ReplicaRole::kPrefill) continue;
    for (size_t b = 0; b < groups; ++b) {
      if (serving.replicas[b].role != scenarios::ReplicaRole::kDecode) continue;
      maps_[a][b] = policies::kv_shard_map(serving.model, layout_of(scenario, static_cast<int>(a)),
                                           layout_of(scenario, static_cast<int>(b)));
    }
  }
  // The KV cache's format follows the serving precision (calibration/precision_plan.hpp).
  const double per_token = calibration::kv_bytes_per_token(serving.model, calibration::plan_precision(serving.precision).kv);
  cell_bytes_ = policies::kv_cell_bytes(serving.model, per_token);
  block_size_ = serving.scheduler.block_size_tokens;
  reachable_.assign(prefill_.size(), std::vector<char>(decode_.size(), 0));
  for (size_t p = 0; p < prefill_.size(); ++p) {
    for (size_t d = 0; d < decode_.size(); ++d) {
      bool all = true;
      for (const Transfer& t : pairs(prefill_[p], decode_[d], 1)) all = all && routes_.get(t.from, t.to).connected;
      reachable_[p][d] = all ? 1 : 0;
    }
  }
  pending_blocks_.assign(n, 0);
}

Disaggregation::~Disaggregation() = default;

std::vector<Transfer> Disaggregation::pairs(int prefill, int decode, int64_t tokens) const {
  const auto& map = maps_[static_cast<size_t>(placements_[static_cast<size_t>(prefill)].replica_group)]
                         [static_cast<size_t>(placements_[static_cast<size_t>(decode)].replica_group)];
  std::vector<Transfer> out;
  out.reserve(map.size());
  for (const policies::KvShardTransfer& t : map) {
    out.push_back({gpus_[static_cast<size_t>(prefill)][static_cast<size_t>(t.from)],
                   gpus_[static_cast<size_t>(decode)][static_cast<size_t>(t.to)],
                   static_cast<double>(tokens) * cell_bytes_ * static_cast<double>(t.cells)});
  }
  return out;
}

void Disaggregation::extend_scope(PlatformScope& scope) const {
  std::set<int> hosts(scope.gpus.begin(), scope.gpus.end());
  for (const std::vector<int>& g : gpus_) {
    for (int gpu : g) {
      if (hosts.insert(gpu).second) scope.gpus.push_back(gpu);
    }
  }
  std::set<std::pair<int, int>> seen(scope.routes.begin(), scope.routes.end());
  for (size_t p = 0; p < prefill_.size(); ++p) {
    for (size_t d = 0; d < decode_.size(); ++d) {
      if (!reachable_[p][d]) continue;
      for (const Transfer& t : pairs(prefill_[p], decode_[d], 1)) {
        if (seen.insert({t.from, t.to}).second) scope.routes.emplace_back(t.from, t.to);
      }
    }
  }
}

void Disaggregation::start(const Platform& platform, ServingShared& shared,
                           std::vector<std::unique_ptr<ServingInstance>>& instances, sg4::Host* host) {
  shared_ = &shared;
  platform_ = &platform;
  instances_ = &instances;
  // What one sequence may hold: a virtual engine's share of the cache with pipeline parallelism
  // (each has kv_blocks / stages, serving_instance.cpp), less the admission watermark.
  capacity_.assign(instances.size(), 0);
  for (size_t i = 0; i < instances.size(); ++i) {
    const int stages =
        scenario_.serving->replicas[static_cast<size_t>(placements_[i].replica_group)].pipeline_parallel;
    const int64_t engine = instances[i]->stats().kv_blocks_total / stages;
    capacity_[i] = engine - watermark(engine);
    if (role_[i] == scenarios::ReplicaRole::kDecode) largest_decode_blocks_ = std::max(largest_decode_blocks_, capacity_[i]);
    instances[i]->set_disaggregation(this);
  }
  // It returns once no request can need a transfer any more (ServingShared::inputs_done).
  sg4::Actor::create("kv-transfer", host, [this] { manage(); });
}

bool Disaggregation::admit_arrival(RequestRecord& r, double now) {
  const int64_t need = (r.input_tokens + r.output_tokens + block_size_ - 1) / block_size_;
  if (need > largest_decode_blocks_) {
    r.status = RequestStatus::kRejected;
    r.reason = std::to_string(r.input_tokens) + " prompt + " + std::to_string(r.output_tokens) +
               " output tokens need " + std::to_string(need) + " KV blocks of " + std::to_string(block_size_) +
               " tokens; the largest decode instance's cache holds " + std::to_string(largest_decode_blocks_) +
               " after the 1 % admission watermark (rejected before its prefill)";
    r.finish_s = now;
    ++shared_->settled;
    return false;
  }
  ++shared_->disagg_pending;
  return true;
}

void Disaggregation::prepare(int instance, RequestRecord& r, policies::SequenceRequest& seq) const {
  switch (role_[static_cast<size_t>(instance)]) {
    case scenarios::ReplicaRole::kPrefill:
      r.prefill_instance = instance;
      seq.prefill_only = r.output_tokens > 1;
      break;
    case scenarios::ReplicaRole::kDecode:
      seq.prefilled_tokens = r.input_tokens;
      break;
    case scenarios::ReplicaRole::kColocated:
      break;
  }
}

bool Disaggregation::hand_off(int instance, ServingInstance* engine, RequestRecord& r, double now) {
  if (role_[static_cast<size_t>(instance)] != scenarios::ReplicaRole::kPrefill || r.output_tokens <= 1) return false;
  if (now > sg4::Engine::get_clock()) {
    throw std::logic_error("Disaggregation: a prefill instance ran ahead of SimGrid's clock");
  }
  const size_t p_index = static_cast<size_t>(std::find(prefill_.begin(), prefill_.end(), instance) - prefill_.begin());
  std::vector<policies::DecodeCandidate> candidates;
  candidates.reserve(decode_.size());
  for (size_t d = 0; d < decode_.size(); ++d) {
    const int i = decode_[d];
    const policies::BatcherStats stats = (*instances_)[static_cast<size_t>(i)]->stats();
    candidates.push_back({stats.kv_blocks_used, stats.kv_blocks_total, pending_blocks_[static_cast<size_t>(i)],
                          capacity_[static_cast<size_t>(i)], reachable_[p_index][d] != 0});
  }
  const int64_t need = (r.input_tokens + r.output_tokens + block_size_ - 1) / block_size_;
  const int chosen = policies::choose_decode_instance(candidates, need);
  if (chosen < 0) {
    // Possible only when the decode instances large enough are out of this prefill's reach.
    r.status = RequestStatus::kRejected;
    r.reason = "no DECODE_ONLY instance reachable from prefill instance " + std::to_string(instance) +
               " can hold " + std::to_string(need) + " KV blocks";
    r.finish_s = now;
    ++shared_->settled;
    --shared_->disagg_pending;
    engine->release_kv(r.id);
    wake_all_if_done();
    return true;
  }
  const int decode = decode_[static_cast<size_t>(chosen)];
  const std::vector<Transfer> transfers = pairs(instance, decode, r.input_tokens);
  size_t slot;
  if (free_.empty()) {
    slot = flights_.size();
    flights_.emplace_back();
  } else {
    slot = free_.back();
    free_.pop_back();
  }
  Flight& f = flights_[slot];
  f.id = r.id;
  f.prefill = instance;
  f.decode = decode;
  f.engine = engine;
  f.blocks = (r.input_tokens + block_size_ - 1) / block_size_;
  f.pending_comms = 0;
  pending_blocks_[static_cast<size_t>(decode)] += f.blocks;
  r.kv_transfer_start_s = now;
  r.kv_transfer_bytes = 0;
  for (const Transfer& t : transfers) r.kv_transfer_bytes += t.bytes;
  ++in_flight_;
  if (flow_) {
    for (const Transfer& t : transfers) {
      // Whole bytes: SimGrid sizes are integers (as collective_flow.cpp).
      const auto bytes = static_cast<std::uint64_t>(std::llround(t.bytes));
      new_comms_.push_back(sg4::Comm::sendto_async(platform_->gpu_host(t.from), platform_->gpu_host(t.to), bytes));
      new_owner_.push_back(slot);
      ++f.pending_comms;
    }
    if (doorbell_armed_) {
      doorbell_armed_ = false;
      doorbell_->cancel();
    }
  } else {
    f.arrival_s = now + evaluator_.step_time(transfers);
    due_.push({f.arrival_s, seq_++, slot});
    wakeup_->notify_all();
  }
  return true;
}

void Disaggregation::decode_started(int instance, const RequestRecord& r) {
  pending_blocks_[static_cast<size_t>(instance)] -= (r.input_tokens + block_size_ - 1) / block_size_;
}

void Disaggregation::settled(int instance, const RequestRecord& r) {
  switch (role_[static_cast<size_t>(instance)]) {
    case scenarios::ReplicaRole::kPrefill:
      --shared_->disagg_pending;
      wake_all_if_done();
      break;
    case scenarios::ReplicaRole::kDecode:
      if (r.decode_scheduled_s < 0) decode_started(instance, r);  // rejected before it decoded
      break;
    case scenarios::ReplicaRole::kColocated:
      break;
  }
}

void Disaggregation::wake_all_if_done() {
  if (!shared_->inputs_done()) return;
  for (auto& instance : *instances_) instance->wake();
  // And the manager, so that it ends.
  if (doorbell_armed_) {
    doorbell_armed_ = false;
    doorbell_->cancel();
  }
  wakeup_->notify_all();
}

void Disaggregation::arrivals_done() { wake_all_if_done(); }

void Disaggregation::deliver(size_t slot) {
  const Flight f = flights_[slot];
  free_.push_back(slot);
  RequestRecord& r = shared_->requests[f.id];
  r.kv_arrival_s = sg4::Engine::get_clock();
  f.engine->release_kv(f.id);
  ServingInstance& decode = *(*instances_)[static_cast<size_t>(f.decode)];
  decode.deliver(f.id);
  decode.wake();
  --in_flight_;
  --shared_->disagg_pending;
  wake_all_if_done();
}

void Disaggregation::manage() {
  if (flow_) {
    manage_flow();
  } else {
    manage_analytic();
  }
}

void Disaggregation::manage_analytic() {
  std::unique_lock lock(*mutex_);
  while (true) {
    while (!due_.empty() && due_.top().at <= sg4::Engine::get_clock()) {
      const size_t slot = due_.top().flight;
      due_.pop();
      deliver(slot);
    }
    if (shared_->inputs_done()) return;
    if (due_.empty()) {
      wakeup_->wait(lock);
    } else {
      wakeup_->wait_until(lock, due_.top().at);
    }
  }
}

void Disaggregation::manage_flow() {
  std::vector<sg4::CommPtr> comms;
  std::vector<size_t> owner;
  std::vector<sg4::ActivityPtr> waiting;
  while (!shared_->inputs_done()) {
    comms.insert(comms.end(), new_comms_.begin(), new_comms_.end());
    owner.insert(owner.end(), new_owner_.begin(), new_owner_.end());
    new_comms_.clear();
    new_owner_.clear();
    if (!doorbell_armed_) {
      doorbell_ = sg4::this_actor::exec_async(kDoorbellFlops);
      doorbell_armed_ = true;
    }
    waiting.clear();
    waiting.push_back(doorbell_);
    waiting.insert(waiting.end(), comms.begin(), comms.end());
    ssize_t done = -1;
    try {
      done = sg4::Activity::wait_any(waiting);
    } catch (const simgrid::CancelException&) {
      continue;  // the doorbell: new communications were started
    }
    if (done <= 0) continue;
    const size_t k = static_cast<size_t>(done - 1);
    const size_t slot = owner[k];
    comms.erase(comms.begin() + static_cast<std::ptrdiff_t>(k));
    owner.erase(owner.begin() + static_cast<std::ptrdiff_t>(k));
    if (--flights_[slot].pending_comms == 0) deliver(slot);
  }
  if (doorbell_armed_) {
    doorbell_armed_ = false;
    doorbell_->cancel();
  }
}

}  // namespace stratum::sim
