#include "serving_instance.hpp"

#include <algorithm>
#include <string>

#include "disaggregation.hpp"
#include "speculative_draft.hpp"
#include "stratum/calibration/cost_model_factory.hpp"
#include "stratum/calibration/precision_plan.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {

namespace {

calibration::ParallelLayout with_group(calibration::ParallelLayout layout, const calibration::GroupCollectives* group) {
  layout.group = group;
  return layout;
}

// The first pipeline stage's ranks: the tensor-parallel group of an instance without pipeline.
std::vector<int> first_stage(const std::vector<int>& gpus, int tensor_parallel) {
  return {gpus.begin(), gpus.begin() + std::min<std::ptrdiff_t>(tensor_parallel, static_cast<std::ptrdiff_t>(gpus.size()))};
}

int stage_count(const std::vector<int>& gpus, int tensor_parallel) {
  return std::max(1, static_cast<int>(gpus.size()) / tensor_parallel);
}

}  // namespace

ServingInstance::ServingInstance(int index, const InstancePlacement& placement, ServingShared& shared, const scenarios::ServingSpec& serving,
                                 const scenarios::GpuSpec& gpu, const std::vector<scenarios::Profile>& profiles,
                                 const topology::ClusterGraph& graph, std::vector<int> gpus,
                                 calibration::ParallelLayout layout, int64_t kv_blocks, ServingInstance* front)
    : index_(index),
      shared_(shared),
      costs_(calibration::make_cost_model(gpu, profiles)),
      tp_collectives_(layout.tensor_parallel > 1 && front == nullptr
                          ? std::make_unique<TensorParallelCollectives>(graph, first_stage(gpus, layout.tensor_parallel),
                                                                        *costs_, layout.link_bandwidth, layout.link_latency)
                          : nullptr),
      iteration_model_(*costs_, serving.model, calibration::plan_precision(serving.precision, serving.activations),
                       with_group(layout, tp_collectives_.get())),
      // vLLM v0: each virtual engine's Scheduler gets num_gpu_blocks // pipeline_parallel_size.
      batcher_(policies::make_batcher(serving.scheduler, kv_blocks / stage_count(gpus, layout.tensor_parallel),
                                      serving.model.max_context, speculation_config(serving, shared.seed, index))),
      mutex_(sg4::Mutex::create()),
      wakeup_(sg4::ConditionVariable::create()) {
  const int stages = stage_count(gpus, layout.tensor_parallel);
  make_batcher_ = [&serving, blocks = kv_blocks / stages, seed = shared.seed, index] {
    return policies::make_batcher(serving.scheduler, blocks, serving.model.max_context,
                                  speculation_config(serving, seed, index));
  };
  // Issue 6: the draft model of speculative decoding (the loader allows it without pipeline
  // only), and each class's scheduling priority.
  draft_ = make_speculative_draft(*costs_, serving, with_group(layout, tp_collectives_.get()));
  for (const scenarios::PriorityClassSpec& k : serving.classes) class_priority_.push_back(k.priority);
  max_batched_tokens_ = serving.scheduler.max_batched_tokens;
  chunked_prefill_ = serving.scheduler.chunked_prefill;
  summary_.gpu_id = gpu.id;
  summary_.placement = placement;
  summary_.role = serving.replicas[static_cast<size_t>(placement.replica_group)].role;
  summary_.kv_blocks_total = kv_blocks / stages;
  if (stages == 1) return;
  if (front != nullptr) {
    front_ = front;
    pipeline_ = front->pipeline_;
    return;
  }
  own_pipeline_ = std::make_unique<ServingPipeline>(*costs_, serving, graph, gpus, layout);
  pipeline_ = own_pipeline_.get();
  for (int v = 1; v < stages; ++v) {
    siblings_.push_back(std::make_unique<ServingInstance>(index, placement, shared, serving, gpu, profiles, graph, gpus,
                                                          layout, kv_blocks, this));
  }
}

std::vector<ServingInstance*> ServingInstance::virtual_engines() {
  std::vector<ServingInstance*> out{this};
  for (auto& s : siblings_) out.push_back(s.get());
  return out;
}

void ServingInstance::wake() {
  wakeup_->notify_all();
  for (auto& s : siblings_) s->wakeup_->notify_all();
}

int64_t ServingInstance::outstanding() const {
  int64_t n = outstanding_;
  for (const auto& s : siblings_) n += s->outstanding_;
  return n;
}

double ServingInstance::busy_until(double now) const {
  double busy = busy_done_ + (in_iteration_ ? (now - iteration_start_) * busy_share_ : 0.0);
  for (const auto& s : siblings_) busy += s->busy_until(now);
  return busy;
}

policies::BatcherStats ServingInstance::stats() const {
  policies::BatcherStats total = batcher_->stats();
  for (const auto& s : siblings_) {
    const policies::BatcherStats v = s->batcher_->stats();
    total.waiting += v.waiting;
    total.running += v.running;
    total.kv_blocks_used += v.kv_blocks_used;
    total.kv_blocks_total += v.kv_blocks_total;
  }
  return total;
}

void ServingInstance::set_kv_offload(policies::KvOffloadConfig config) {
  // Pipeline: every virtual engine keeps its own cache; the tiers' capacity is split between them.
  const auto engines = static_cast<int64_t>(1 + siblings_.size());
  for (policies::KvTierParams& t : config.tiers) t.capacity_blocks /= engines;
  kv_offload_ = config;
  batcher_->set_kv_offload(config);
  for (auto& s : siblings_) s->batcher_->set_kv_offload(config);
}

policies::PrefixCacheStats ServingInstance::prefix_cache_stats() const {
  policies::PrefixCacheStats total = batcher_->prefix_cache_stats();
  for (const auto& s : siblings_) {
    const policies::PrefixCacheStats more = s->batcher_->prefix_cache_stats();
    for (size_t t = 0; t < total.hit_tokens_by_tier.size() && t < more.hit_tokens_by_tier.size(); ++t) {
      total.hit_tokens_by_tier[t] += more.hit_tokens_by_tier[t];
      total.reload_s_by_tier[t] += more.reload_s_by_tier[t];
    }
    total.evictions += more.evictions;
  }
  return total;
}

InstanceSummary ServingInstance::summary() const {
  InstanceSummary total = summary_;
  for (const auto& s : siblings_) {
    total.kv_blocks_total += s->summary_.kv_blocks_total;
    total.iterations += s->summary_.iterations;
    total.busy_s += s->summary_.busy_s;
    total.prefill_tokens += s->summary_.prefill_tokens;
    total.decode_tokens += s->summary_.decode_tokens;
    total.preemptions += s->summary_.preemptions;
  }
  return total;
}

std::vector<uint64_t> ServingInstance::lose(double now) {
  std::vector<uint64_t> lost;
  for (uint64_t id : assigned_) {
    RequestRecord& r = shared_.requests[id];
    if (r.status != RequestStatus::kPending) continue;
    // Its KV cache is gone: it is prefilled again wherever it goes next (first_scheduled_s and
    // first_token_s then record the attempt that completes it).
    r.first_scheduled_s = -1;
    r.first_token_s = -1;
    r.cached_tokens = 0;
    r.instance = -1;
    ++r.retries;
    lost.push_back(id);
  }
  assigned_.clear();
  inbox_.clear();
  outstanding_ = 0;
  // An iteration in flight keeps its batch (a reference into the batcher) until its sleep ends.
  if (in_iteration_) {
    busy_done_ += (now - iteration_start_) * busy_share_;
    summary_.busy_s += (now - iteration_start_) * busy_share_;
    iteration_start_ = now;
    busy_share_ = 0;  // what is left of the void iteration is not work
    void_batcher_ = std::move(batcher_);
  }
  batcher_ = make_batcher_();
  if (kv_offload_) batcher_->set_kv_offload(*kv_offload_);
  ++losses_;
  return lost;
}

void ServingInstance::deliver(uint64_t request_id) {
  // Pipeline: to the virtual engine with the fewest unfinished requests, the first on a tie (vLLM
  // v0 LLMEngine._add_processed_request: "Add the sequence group to the scheduler with least
  // unfinished seqs").
  ServingInstance* target = this;
  for (auto& s : siblings_) {
    if (s->outstanding_ < target->outstanding_) target = s.get();
  }
  target->inbox_.push_back(request_id);
  target->assigned_.push_back(request_id);
  shared_.requests[request_id].instance = index_;
  ++target->outstanding_;
}

void ServingInstance::settle() {
  --outstanding_;
  ++shared_.settled;
}

void ServingInstance::settle(const RequestRecord& r) {
  settle();
  if (disagg_ != nullptr) disagg_->settled(index_, r);
}

void ServingInstance::set_disaggregation(Disaggregation* d) {
  disagg_ = d;
  for (auto& s : siblings_) s->disagg_ = d;
}

void ServingInstance::release_kv(uint64_t request_id) {
  batcher_->release_kv(request_id);
  front_->wake();
}

void ServingInstance::admit_inbox(double now) {
  while (!inbox_.empty()) {
    RequestRecord& r = shared_.requests[inbox_.front()];
    inbox_.pop_front();
    policies::SequenceRequest seq;
    seq.id = r.id;
    seq.prompt_tokens = r.input_tokens;
    seq.output_tokens = r.output_tokens;
    seq.arrival_s = r.arrival_s;
    if (!class_priority_.empty()) seq.priority = class_priority_[r.priority_class];
    if (shared_.prefixes != nullptr) seq.prefix_hashes = shared_.prefixes->of(r.id);  // prefix caching
    if (disagg_ != nullptr) disagg_->prepare(index_, r, seq);  // prefill_only or prefilled
    batcher_->enqueue(seq);
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
    settle(r);
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
    settle(r);
  }
}

double ServingInstance::begin_iteration(const policies::Batch& batch, double start) {
  iteration_batch_.prefill.clear();
  iteration_batch_.decode_contexts.clear();
  for (const auto& entry : batch.entries) {
    RequestRecord& r = shared_.requests[entry.id];
    if (r.first_scheduled_s < 0) {
      r.first_scheduled_s = start;
      // Its first admission: a prefill that starts after the tokens prefix caching found.
      if (entry.prefill) r.cached_tokens = entry.context_before;
    }
    if (r.kv_arrival_s >= 0 && r.decode_scheduled_s < 0) {  // disaggregation: its first iteration here
      r.decode_scheduled_s = start;
      disagg_->decode_started(index_, r);
    }
    // A speculative decode verifies 1 + k tokens in one pass: priced as a prefill chunk.
    if (entry.prefill || entry.draft_tokens > 0) {
      iteration_batch_.prefill.push_back({entry.new_tokens, entry.context_before});
    } else {
      iteration_batch_.decode_contexts.push_back(entry.context_before);
    }
  }
  calibration::IterationCost cost;
  if (pipeline_ == nullptr) {
    cost = iteration_model_.cost(iteration_batch_);
    if (draft_ != nullptr) add_cost(cost, draft_->cost(batch));  // the draft's prefill and k steps
  } else {
    // Through every stage in turn, waiting for stages busy with other virtual engines' batches.
    const ServingPipeline::Timing timing = pipeline_->issue(iteration_batch_, start);
    cost = timing.cost;  // GPU seconds of the stages, for the provenance shares
    cost.seconds = timing.seconds;
    busy_share_ = timing.seconds > 0 ? timing.busy_seconds / timing.seconds : 0.0;
  }
  if (flow_tp_ != nullptr) last_cost_ = cost;
  // Reloads of cached prefixes from KV offload tiers delay the prefills that need them
  // (policies/kv_tiers.hpp); 0 without tiers.
  cost.seconds += batch.reload_s;
  // The KV cache is fullest while the iteration runs: blocks for its new tokens are allocated
  // and finished sequences have not yet released theirs (pipeline: all virtual engines' blocks).
  front_->summary_.kv_blocks_peak = std::max(front_->summary_.kv_blocks_peak, front_->stats().kv_blocks_used);
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
  busy_done_ += seconds * busy_share_;
  const policies::IterationOutcome& outcome = batcher_->complete(batch);
  for (uint64_t id : outcome.preempted) shared_.requests[id].preemptions++;
  for (uint64_t id : outcome.first_token) shared_.requests[id].first_token_s = now;
  for (uint64_t id : outcome.finished) {
    RequestRecord& r = shared_.requests[id];
    // Disaggregation: a finished prefill whose KV cache now travels to a decode instance.
    if (disagg_ != nullptr && disagg_->hand_off(index_, this, r, now)) {
      --outstanding_;
      continue;
    }
    r.status = RequestStatus::kCompleted;
    r.finish_s = now;
    ++shared_.completed;
    settle(r);
  }
  record_rejections(now);

  shared_.output_tokens += outcome.tokens_emitted;
  if (outcome.speculative_steps > 0) {
    shared_.speculative.steps += outcome.speculative_steps;
    shared_.speculative.draft_tokens += outcome.draft_tokens;
    shared_.speculative.accepted += outcome.draft_tokens_accepted;
    shared_.speculative.emitted += outcome.speculative_steps + outcome.draft_tokens_accepted;
  }
  // Admission control retries deferred requests whenever an instance has done some work.
  if (shared_.on_iteration_done) shared_.on_iteration_done();
  summary_.iterations++;
  summary_.busy_s += seconds * busy_share_;
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
  // A pipeline's virtual engines share its stages, so each of their iterations is an event the
  // others must see in clock order: no running ahead.
  // Nor in a disaggregated run, whose instances exchange KV caches (disaggregation.hpp), nor
  // with flow collectives, which are SimGrid transfers (flow_tensor_parallel.hpp).
  const double horizon = pipeline_ == nullptr && disagg_ == nullptr && flow_tp_ == nullptr ? shared_.next_event_s()
                                                                                          : sg4::Engine::get_clock();
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
  const int64_t losses = losses_;
  if (flow_tp_ != nullptr) {
    seconds = flow_tp_->run(last_cost_, *tp_collectives_);
  } else {
    sg4::this_actor::sleep_for(seconds);
  }
  in_iteration_ = false;
  if (losses != losses_) {  // issue 8: the instance was lost during this iteration: it is void
    void_batcher_.reset();
    busy_share_ = 1;
    return;
  }
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
    if (shared_.on_instance_idle && inbox_.empty() && !has_work) shared_.on_instance_idle(index_);  // issue 8
    if (shared_.inputs_done() && inbox_.empty() && !has_work) {
      exited_ = true;
      break;
    }
    const double wakeup = batcher_->next_wakeup_s();
    const bool timed_wait = has_work && wakeup > now;
    if (shared_.inputs_done() && inbox_.empty() && !timed_wait) {
      reject_stalled(now);
      exited_ = true;
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
