#include "admission_gate.hpp"

#include <algorithm>
#include <limits>

#include "stratum/sim/priority_classes.hpp"

namespace sg4 = simgrid::s4u;

namespace stratum::sim {

// ServingInstance's admission estimates (declared in serving_instance.hpp).
int64_t ServingInstance::queued_prefill_tokens(int priority) const {
  int64_t n = batcher_->queued_prefill_tokens(priority);
  for (const auto& s : siblings_) n += s->batcher_->queued_prefill_tokens(priority);
  return n;
}

policies::PrefillCapacity ServingInstance::prefill_capacity() const {
  // One iteration of a full token budget of prompt tokens on an empty cache: what an instance
  // with a prefill backlog runs (without chunking: whole prompts up to the budget). Its time
  // includes the iteration's fixed costs (launches, LM head, TP collectives).
  calibration::IterationBatch chunk;
  chunk.prefill.push_back({max_batched_tokens_, 0});
  return {max_batched_tokens_, iteration_model_.cost(chunk).seconds, chunked_prefill_};
}

namespace {

std::vector<policies::PrefillCapacity> capacities(const std::vector<std::unique_ptr<ServingInstance>>& instances) {
  std::vector<policies::PrefillCapacity> out;
  for (const auto& i : instances) out.push_back(i->prefill_capacity());
  return out;
}

}  // namespace

AdmissionGate::AdmissionGate(ServingShared& shared, std::vector<std::unique_ptr<ServingInstance>>& instances,
                             policies::Router& router, const RequestPrefixes* prefixes,
                             const scenarios::ServingSpec& serving)
    : shared_(shared),
      instances_(instances),
      router_(router),
      prefixes_(prefixes),
      serving_(serving),
      admission_(policies::make_admission(serving.admission, capacities(instances))),
      mutex_(sg4::Mutex::create()),
      wakeup_(sg4::ConditionVariable::create()) {
  for (size_t i = 0; i < instances.size(); ++i) pool_.push_back(static_cast<int>(i));
}

policies::AdmissionDecision AdmissionGate::decide(const RequestRecord& r) {
  const int priority = request_priority(serving_, r);
  loads_.resize(pool_.size());
  for (size_t i = 0; i < pool_.size(); ++i) {
    const ServingInstance& instance = *instances_[static_cast<size_t>(pool_[i])];
    const policies::BatcherStats stats = instance.stats();
    loads_[i] = {instance.outstanding(), stats.kv_blocks_used, stats.kv_blocks_total,
                 instance.queued_prefill_tokens(priority), stats.running};
  }
  const policies::RouterView view{loads_};
  policies::RequestView seen{r.id, r.input_tokens, {}};
  if (prefixes_ != nullptr) seen.prefix_hashes = prefixes_->of(r.id);
  const size_t routed = router_.pick(view, seen);
  policies::AdmissionRequest a;
  a.id = r.id;
  a.input_tokens = r.input_tokens;
  a.priority = priority;
  a.priority_rank = priority_rank(serving_, priority);
  a.priority_levels = priority_levels(serving_);
  a.ttft_slo_s = request_slo(serving_, r).ttft_s;
  return admission_->decide(view, a, routed);
}

void AdmissionGate::deliver(RequestRecord& r, size_t pool_index) {
  ServingInstance& target = *instances_[static_cast<size_t>(pool_[pool_index])];
  target.deliver(r.id);
  target.wake();
}

void AdmissionGate::reject(RequestRecord& r, const std::string& reason, const char* kind) {
  r.status = RequestStatus::kRejected;
  r.reason = reason;
  r.finish_s = sg4::Engine::get_clock();
  ++shared_.settled;
  ++totals_.rejected;
  ++totals_.reasons[kind];
}

double AdmissionGate::max_defer_s(const RequestRecord& r) const {
  if (serving_.admission.max_defer_s) return *serving_.admission.max_defer_s;
  // Default: the request's own TTFT bound; deferring longer cannot meet it.
  return request_slo(serving_, r).ttft_s.value_or(0.0);
}

void AdmissionGate::arrive(RequestRecord& r) {
  const policies::AdmissionDecision d = decide(r);
  switch (d.action) {
    case policies::AdmissionAction::kAdmit:
      deliver(r, d.instance);
      return;
    case policies::AdmissionAction::kReject:
      reject(r, d.reason(), d.cause == policies::AdmissionCause::kQueueFull ? "queue_full" : "predicted_ttft");
      return;
    case policies::AdmissionAction::kDefer: {
      r.deferred = true;
      ++totals_.deferred;
      Deferred held{r.id, r.arrival_s + max_defer_s(r), d.reason()};
      // Higher priority first, arrival order within a priority.
      const int priority = request_priority(serving_, r);
      auto it = deferred_.end();
      while (it != deferred_.begin() && request_priority(serving_, shared_.requests[std::prev(it)->id]) < priority) --it;
      deferred_.insert(it, std::move(held));
      return;
    }
  }
}

void AdmissionGate::retry(double now) {
  for (size_t i = 0; i < deferred_.size();) {
    RequestRecord& r = shared_.requests[deferred_[i].id];
    const policies::AdmissionDecision d = decide(r);
    if (d.action == policies::AdmissionAction::kAdmit) {
      ++totals_.deferred_admitted;
      deliver(r, d.instance);
    } else if (now >= deferred_[i].deadline_s) {
      reject(r, "admission: deferred " + policies::seconds_text(now - r.arrival_s) + ", then " + d.why,
             "defer_expired");
    } else {
      deferred_[i].reason = d.reason();
      ++i;
      continue;
    }
    deferred_.erase(deferred_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

void AdmissionGate::wait_until(double t) {
  std::unique_lock lock(*mutex_);
  while (true) {
    const double now = sg4::Engine::get_clock();
    retry(now);
    if (deferred_.empty()) {
      shared_.on_iteration_done = nullptr;
      shared_.next_arrival_s = t;
      if (t > now) sg4::this_actor::sleep_until(t);
      return;
    }
    if (now >= t) return;
    // Instances must not run ahead of SimGrid's clock while requests wait here: each iteration's
    // end is then an event the router sees (ServingInstance::run_busy_period's horizon).
    shared_.next_arrival_s = now;
    shared_.on_iteration_done = [this] { wakeup_->notify_all(); };
    double wake = t;
    for (const Deferred& d : deferred_) wake = std::min(wake, d.deadline_s);
    wakeup_->wait_until(lock, std::max(wake, now));
  }
}

void AdmissionGate::drain() {
  while (!deferred_.empty()) {
    double last = sg4::Engine::get_clock();
    for (const Deferred& d : deferred_) last = std::max(last, d.deadline_s);
    wait_until(last);
    retry(sg4::Engine::get_clock());  // the deadline itself: admit or reject what is left
  }
  shared_.on_iteration_done = nullptr;
}

}  // namespace stratum::sim
