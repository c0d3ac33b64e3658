#include "stratum/policies/admission.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace stratum::policies {
std::string seconds_text(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g s", s);
  return buffer;
}

namespace {

class AdmitAll final : public Admission {
 public:
  AdmissionDecision decide(const RouterView&, const AdmissionRequest&, size_t routed) const override {
    return {AdmissionAction::kAdmit, routed, AdmissionCause::kNone, {}, 0};
  }
};

// Rejects a request when the picked instance already holds its priority's share of the limit.
class QueueLimit final : public Admission {
 public:
  explicit QueueLimit(int64_t limit) : limit_(limit) {}
  AdmissionDecision decide(const RouterView& view, const AdmissionRequest& r, size_t routed) const override {
    const int64_t held = view.instances[routed].outstanding;
    const int64_t bound = queue_limit_for(limit_, r.priority_rank, r.priority_levels);
    if (held < bound) return {AdmissionAction::kAdmit, routed, AdmissionCause::kNone, {}, 0};
    std::string why = "instance queue full (" + std::to_string(held) + " outstanding";
    if (bound < limit_) {
      why += "; priority " + std::to_string(r.priority) + " is shed at " + std::to_string(bound) + " of " +
             std::to_string(limit_);
    }
    return {AdmissionAction::kReject, routed, AdmissionCause::kQueueFull, why + ")", 0};
  }

 private:
  int64_t limit_;
};

// Routes to an instance whose predicted TTFT meets the request's TTFT SLO: the router's pick if it
// does, else the one with the lowest estimate; none: reject, or defer.
class SloAware final : public Admission {
 public:
  SloAware(bool defer, std::vector<PrefillCapacity> capacities) : defer_(defer), capacities_(std::move(capacities)) {}
  AdmissionDecision decide(const RouterView& view, const AdmissionRequest& r, size_t routed) const override {
    if (!r.ttft_slo_s) throw std::logic_error("slo_aware admission needs a TTFT SLO for every request");
    if (capacities_.size() != view.instances.size()) throw std::logic_error("slo_aware admission: one capacity per instance");
    const double slo = *r.ttft_slo_s;
    const double at_pick = predict_ttft_s(view.instances[routed], capacities_[routed], r.input_tokens);
    if (at_pick <= slo) return {AdmissionAction::kAdmit, routed, AdmissionCause::kNone, {}, at_pick};
    size_t best = routed;
    double best_s = at_pick;
    for (size_t i = 0; i < view.instances.size(); ++i) {
      const double t = predict_ttft_s(view.instances[i], capacities_[i], r.input_tokens);
      if (t < best_s) {
        best = i;
        best_s = t;
      }
    }
    if (best_s <= slo) return {AdmissionAction::kAdmit, best, AdmissionCause::kNone, {}, best_s};
    const size_t n = view.instances.size();
    const std::string why =
        "predicted TTFT " + seconds_text(best_s) + " exceeds the SLO " + seconds_text(slo) +
        (n == 1 ? std::string(" on the only instance") : " on all " + std::to_string(n) + " instances");
    return {defer_ ? AdmissionAction::kDefer : AdmissionAction::kReject, best, AdmissionCause::kPredictedTtft, why,
            best_s};
  }

 private:
  bool defer_;
  std::vector<PrefillCapacity> capacities_;
};

}  // namespace

double predict_ttft_s(const InstanceLoad& load, const PrefillCapacity& c, int64_t input_tokens) {
  if (c.chunk_tokens <= 0 || !(c.chunk_s > 0)) throw std::invalid_argument("prefill capacity needs a chunk and its time");
  const int64_t per_iteration = c.chunked ? std::max<int64_t>(1, c.chunk_tokens - load.running) : c.chunk_tokens;
  const double rate = static_cast<double>(per_iteration) / c.chunk_s;
  return static_cast<double>(load.queued_prefill_tokens + input_tokens) / rate;
}

int64_t queue_limit_for(int64_t max_outstanding, int rank, int levels) {
  if (levels <= 1) return max_outstanding;
  const int64_t r = std::clamp(rank, 0, levels - 1);
  // ceil(N (r + 1) / R) in integers.
  return (max_outstanding * (r + 1) + levels - 1) / levels;
}

std::unique_ptr<Admission> make_admission(const scenarios::AdmissionSpec& spec, std::vector<PrefillCapacity> capacities) {
  switch (spec.kind) {
    case scenarios::AdmissionKind::kNone: break;
    case scenarios::AdmissionKind::kQueueLimit: return std::make_unique<QueueLimit>(spec.max_outstanding_per_instance);
    case scenarios::AdmissionKind::kSloAware: return std::make_unique<SloAware>(spec.defer, std::move(capacities));
  }
  return std::make_unique<AdmitAll>();
}

}  // namespace stratum::policies
