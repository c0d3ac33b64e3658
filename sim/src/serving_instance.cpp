#include "serving_instance.hpp"

#include <algorithm>
#include <string>

#include "stratum/calibration/cost_model_factory.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {

namespace {

calibration::ParallelLayout with_group(calibration::ParallelLayout layout, const calibration::GroupCollectives* group) {
  layout.group = group;
  return layout;
}

}  // namespace

ServingInstance::ServingInstance(int index, const InstancePlacement& placement, ServingShared& shared, const scenarios::ServingSpec& serving,
                                 const scenarios::GpuSpec& gpu, const std::vector<scenarios::Profile>& profiles,
                                 const topology::ClusterGraph& graph, std::vector<int> gpus,
                                 calibration::ParallelLayout layout, int64_t kv_blocks)
    : index_(index),
      shared_(shared),
      costs_(calibration::make_cost_model(gpu, profiles)),
      tp_collectives_(gpus.size() > 1 ? std::make_unique<TensorParallelCollectives>(
                                            graph, std::move(gpus), *costs_, layout.link_bandwidth, layout.link_latency)
                                      : nullptr),
      iteration_model_(*costs_, serving.model, serving.precision, with_group(layout, tp_collectives_.get())),
      batcher_(policies::make_batcher(serving.scheduler, kv_blocks, serving.model.max_context)),
      mutex_(sg4::Mutex::create()),
      wakeup_(sg4::ConditionVariable::create()) {
  summary_.gpu_id = gpu.id;
  summary_.placement = placement;
  summary_.kv_blocks_total = kv_blocks;
}

void ServingInstance::deliver(uint64_t request_id) {
  inbox_.push_back(request_id);
  assigned_.push_back(request_id);
  shared_.requests[request_id].instance = index_;
  ++outstanding_;
}

void ServingInstance::settle() {
  --outstanding_;
  ++shared_.settled;
}

void ServingInstance::admit_inbox(double now) {
  while (!inbox_.empty()) {
    const RequestRecord& r = shared_.requests[inbox_.front()];
    inbox_.pop_front();
    batcher_->enqueue(policies::SequenceRequest{r.id, r.input_tokens, r.output_tokens, r.arrival_s});
  }
  record_rejections(now);
}

void ServingInstance::record_rejections(double now) {
  for (const auto& rejection : batcher_->take_rejections()) {
    RequestRecord& r = shared_.requests[rejection.id];
    if (r.status != RequestStatus::kPending) continue;
    r.status = RequestStatus::kRejected;
    r.reason = rejection.reason;
    r.finish_s = now;
    settle();
  }
}

// A policy that holds work it can never schedule would leave requests unaccounted for; reject
// them with a reason instead (Nothing lost, developers' brief).
void ServingInstance::reject_stalled(double now) {
  for (uint64_t id : assigned_) {
    RequestRecord& r = shared_.requests[id];
    if (r.status != RequestStatus::kPending) continue;
    r.status = RequestStatus::kRejected;
    r.reason = "scheduler stalled: the request could not be scheduled with the instance idle and no arrivals left";
    r.finish_s = now;
    settle();
  }
}

double ServingInstance::begin_iteration(const policies::Batch& batch, double start) {
  iteration_batch_.prefill.clear();
  iteration_batch_.decode_contexts.clear();
  for (const auto& entry : batch.entries) {
    RequestRecord& r = shared_.requests[entry.id];
    if (r.first_scheduled_s < 0) r.first_scheduled_s = start;
    if (entry.prefill) {
      iteration_batch_.prefill.push_back({entry.new_tokens, entry.context_before});
    } else {
      iteration_batch_.decode_contexts.push_back(entry.context_before);
    }
  }
  const calibration::IterationCost cost = iteration_model_.cost(iteration_batch_);
  // The KV cache is fullest while the iteration runs: blocks for its new tokens are allocated
  // and finished sequences have not yet released theirs.
  summary_.kv_blocks_peak = std::max(summary_.kv_blocks_peak, batcher_->stats().kv_blocks_used);
  for (int p = 0; p < calibration::kProvenanceCount; ++p) {
    shared_.gpu_seconds_by_provenance[p] += cost.seconds_by_provenance[p];
  }
  if (shared_.record_trace) {
    shared_.trace.slices.push_back({index_, start, cost.seconds, batch.prefill_tokens, batch.decode_tokens,
                                    static_cast<int64_t>(batch.entries.size())});
  }
  return cost.seconds;
}

void ServingInstance::finish_iteration(const policies::Batch& batch, double seconds, double now) {
  busy_done_ += seconds;
  const policies::IterationOutcome& outcome = batcher_->complete(batch);
  for (uint64_t id : outcome.preempted) shared_.requests[id].preemptions++;
  for (uint64_t id : outcome.first_token) shared_.requests[id].first_token_s = now;
  for (uint64_t id : outcome.finished) {
    RequestRecord& r = shared_.requests[id];
    r.status = RequestStatus::kCompleted;
    r.finish_s = now;
    ++shared_.completed;
    settle();
  }
  record_rejections(now);

  shared_.output_tokens += outcome.tokens_emitted;
  summary_.iterations++;
  summary_.busy_s += seconds;
  summary_.prefill_tokens += batch.prefill_tokens;
  summary_.decode_tokens += batch.decode_tokens;
  summary_.preemptions += static_cast<int64_t>(outcome.preempted.size());
  if (shared_.record_trace) {
    const policies::BatcherStats stats = batcher_->stats();
    shared_.trace.counters.push_back({index_, now, stats.waiting, stats.running, stats.kv_blocks_used});
  }
}

// Iterations that end before the next event anywhere else in the simulation (an arrival, a
// timeseries sample) cannot be observed or influenced by another actor, so they run back to back
// on a local clock without a SimGrid context switch each; the instance yields to SimGrid for the
// iteration that reaches that event, or when it runs out of work. The results are those of
// sleeping once per iteration, at a fraction of the cost (docs/performance.md).
void ServingInstance::run_busy_period(const policies::Batch& first) {
  const double horizon = shared_.next_event_s();
  double t = sg4::Engine::get_clock();
  const policies::Batch* batch = &first;
  double seconds = 0;
  while (true) {
    seconds = begin_iteration(*batch, t);
    const double end = t + seconds;
    if (end >= horizon) break;
    finish_iteration(*batch, seconds, end);
    t = end;
    batch = &batcher_->next_batch(t);
    if (batch->empty()) {
      sg4::this_actor::sleep_until(t);
      return;
    }
  }
  // This iteration reaches an event elsewhere: let SimGrid order the two.
  if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
  in_iteration_ = true;
  iteration_start_ = t;
  sg4::this_actor::sleep_for(seconds);
  in_iteration_ = false;
  finish_iteration(*batch, seconds, sg4::Engine::get_clock());
}

void ServingInstance::run() {
  std::unique_lock lock(*mutex_);
  while (true) {
    const double now = sg4::Engine::get_clock();
    admit_inbox(now);
    const policies::Batch& batch = batcher_->next_batch(now);
    if (!batch.empty()) {
      run_busy_period(batch);
      continue;
    }
    const bool has_work = batcher_->has_work();
    if (shared_.arrivals_done && inbox_.empty() && !has_work) break;
    const double wakeup = batcher_->next_wakeup_s();
    const bool timed_wait = has_work && wakeup > now;
    if (shared_.arrivals_done && inbox_.empty() && !timed_wait) {
      reject_stalled(now);
      break;
    }
    if (timed_wait) {
      wakeup_->wait_until(lock, wakeup);
    } else {
      wakeup_->wait(lock);
    }
  }
}

}  // namespace stratum::sim
