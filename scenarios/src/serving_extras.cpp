#include "serving_extras.hpp"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "stratum/scenarios/suggest.hpp"

namespace stratum::scenarios::detail {
namespace {

// Sanity bounds (assumptions, no published limit): 16 classes and priorities 0..15 are far more
// than deployments use (vLLM examples use two or three levels) and keep a request's class index
// one byte in sim::RequestRecord.
constexpr int kMaxClasses = 16;
constexpr int64_t kMaxPriority = 15;
// Shares are decimal fractions typed by hand (0.3 + 0.7); allow round-off, nothing more.
constexpr double kShareTolerance = 1e-9;
constexpr int64_t kMaxOutstanding = 1000000;
constexpr double kMaxDefer = 3600;  // 1 h: a request deferred longer has long left its client
// Draft tokens per step: vLLM has no upper bound; 16 is a sanity bound (assumption) far beyond
// the 2-8 of published setups (Leviathan et al. 2023 Table 3 uses up to 10).
constexpr int64_t kMaxSpeculativeTokens = 16;
constexpr double kMaxTime = 366.0 * 86400;

bool valid_name(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                    ch == '-';
    if (!ok) return false;
  }
  return true;
}

// A class's SLO: the bounds it sets replace those of serving.slo, the others are kept.
SloSpec class_slo(const pb::Slo& m, const std::string& p, Checker& c, const SloSpec& base) {
  SloSpec out = base;
  double v = 0;
  const std::string bounds = "greater than 0 and at most 366 days";
  if (m.has_ttft() && c.quantity_range(p + ".ttft", m.ttft(), Quantity::kTime, v, 0, true, kMaxTime, bounds)) {
    out.ttft_s = v;
  }
  if (m.has_tpot() && c.quantity_range(p + ".tpot", m.tpot(), Quantity::kTime, v, 0, true, kMaxTime, bounds)) {
    out.tpot_s = v;
  }
  if (m.has_e2e() && c.quantity_range(p + ".e2e", m.e2e(), Quantity::kTime, v, 0, true, kMaxTime, bounds)) {
    out.e2e_s = v;
  }
  return out;
}

}  // namespace

void load_priority_classes(const pb::Serving& msg, Checker& c, ServingSpec& out) {
  const pb::Workload& w = msg.workload();
  if (w.classes_size() == 0) return;
  const std::string base = "serving.workload.classes";
  if (w.classes_size() > kMaxClasses) {
    c.error(base, base + " has " + std::to_string(w.classes_size()) + " classes; expected at most " +
                      std::to_string(kMaxClasses));
    return;
  }
  std::set<std::string> names;
  double sum = 0;
  bool shares_ok = true;
  for (int i = 0; i < w.classes_size(); ++i) {
    const pb::PriorityClass& m = w.classes(i);
    const std::string p = base + "[" + std::to_string(i) + "]";
    PriorityClassSpec k;
    if (!m.has_name()) {
      c.missing(p + ".name", "a class name such as \"interactive\"");
    } else if (!valid_name(m.name())) {
      c.error(p + ".name", p + ".name \"" + m.name() + "\" is not a plain name; expected letters, digits, '_' or '-'");
    } else if (!names.insert(m.name()).second) {
      c.error(p + ".name", p + ".name \"" + m.name() + "\" repeats an earlier class; expected unique names");
    }
    k.name = m.name();
    if (!m.has_share()) {
      c.missing(p + ".share", "a share of requests in (0, 1]");
      shares_ok = false;
    } else if (c.real_range(p + ".share", m.share(), 0, true, 1, "in (0, 1]")) {
      k.share = m.share();
      sum += m.share();
    } else {
      shares_ok = false;
    }
    if (m.has_priority() && c.int_range(p + ".priority", m.priority(), 0, kMaxPriority)) {
      k.priority = static_cast<int>(m.priority());
    }
    if (m.has_slo()) k.slo = class_slo(m.slo(), p + ".slo", c, out.slo);
    out.classes.push_back(std::move(k));
  }
  if (shares_ok && std::abs(sum - 1.0) > kShareTolerance) {
    c.error(base, base + " shares sum to " + format_number(sum) + "; expected shares summing to 1");
  }
}

void load_admission(const pb::Serving& msg, Checker& c, ServingSpec& out) {
  const pb::Admission& m = msg.admission();
  AdmissionSpec& a = out.admission;
  if (out.disaggregated() && m.policy_case() != pb::Admission::kNone &&
      m.policy_case() != pb::Admission::POLICY_NOT_SET) {
    c.error("serving.admission", "serving.admission is set with prefill-decode disaggregation (replica roles); "
                                 "expected co-located replicas (admission control is modelled for them only)");
  }
  switch (m.policy_case()) {
    case pb::Admission::kNone:
    case pb::Admission::POLICY_NOT_SET:
      a.kind = AdmissionKind::kNone;
      break;
    case pb::Admission::kQueueLimit: {
      a.kind = AdmissionKind::kQueueLimit;
      const std::string p = "serving.admission.queue_limit.max_outstanding_per_instance";
      if (!m.queue_limit().has_max_outstanding_per_instance()) {
        c.missing(p, "an integer from 1 to " + std::to_string(kMaxOutstanding));
      } else if (c.int_range(p, m.queue_limit().max_outstanding_per_instance(), 1, kMaxOutstanding)) {
        a.max_outstanding_per_instance = m.queue_limit().max_outstanding_per_instance();
      }
      break;
    }
    case pb::Admission::kSloAware: {
      a.kind = AdmissionKind::kSloAware;
      const pb::SloAware& s = m.slo_aware();
      const std::string p = "serving.admission.slo_aware";
      a.defer = s.on_violation() == pb::DEFER;
      if (s.has_max_defer()) {
        if (!a.defer) {
          c.error(p + ".max_defer", p + ".max_defer is set but on_violation is REJECT; expected on_violation: DEFER "
                                        "or no max_defer");
        } else {
          double v = 0;
          if (c.quantity_range(p + ".max_defer", s.max_defer(), Quantity::kTime, v, 0, true, kMaxDefer,
                               "greater than 0 and at most 1 h")) {
            a.max_defer_s = v;
          }
        }
      }
      // The estimate is compared with a TTFT bound: every request needs one.
      bool every_class_has_ttft = !out.classes.empty();
      for (const PriorityClassSpec& k : out.classes) {
        if (!k.slo || !k.slo->ttft_s) every_class_has_ttft = false;
      }
      if (!out.slo.ttft_s && !every_class_has_ttft) {
        c.error(p, p + " needs a TTFT bound to admit against; expected serving.slo { ttft: ... } or slo { ttft: ... } "
                       "in every serving.workload.classes");
      }
      break;
    }
  }
}

void load_speculative(const pb::Serving& msg, const Catalog& catalog, Checker& c, ServingSpec& out) {
  if (!msg.has_speculative()) return;
  const pb::Speculative& m = msg.speculative();
  const std::string p = "serving.speculative";
  SpeculativeSpec& spec = out.speculative;
  spec.enabled = true;
  if (!m.has_draft_model()) {
    c.missing(p + ".draft_model", "a model id from scenarios/catalog/models.pbtxt with the target's vocabulary");
  } else if (const ModelSpec* draft = catalog.find_model(m.draft_model()); draft == nullptr) {
    std::vector<std::string> known;
    for (const ModelSpec& k : catalog.models()) known.push_back(k.id);
    c.error(p + ".draft_model", p + ".draft_model \"" + m.draft_model() +
                                    "\" is not in scenarios/catalog/models.pbtxt; " + did_you_mean(m.draft_model(), known) +
                                    "expected one of: " + join(known));
  } else {
    spec.draft = *draft;
    // Draft tokens are the target's token ids: both models must share one tokenizer (vLLM
    // checks the draft's vocab_size against the target's, vllm/config.py SpeculativeConfig).
    if (!out.model.id.empty() && draft->vocab != out.model.vocab) {
      c.error(p + ".draft_model", p + ".draft_model \"" + draft->id + "\" has a vocabulary of " +
                                      std::to_string(draft->vocab) + " tokens, the target \"" + out.model.id +
                                      "\" one of " + std::to_string(out.model.vocab) +
                                      "; expected a draft with the target's tokenizer");
    }
    for (const ReplicaSpec& r : out.replicas) {
      if (r.pipeline_parallel > 1) {
        c.error(p, p + " is set with pipeline_parallel " + std::to_string(r.pipeline_parallel) +
                       "; expected pipeline_parallel 1 (vLLM runs speculative decoding without pipeline parallelism)");
        break;
      }
      if (draft->heads % r.tensor_parallel == 0) continue;
      c.error(p + ".draft_model", p + ".draft_model \"" + draft->id + "\" has " + std::to_string(draft->heads) +
                                      " attention heads, not divisible by tensor_parallel " +
                                      std::to_string(r.tensor_parallel) +
                                      "; expected a draft that shards over the target's tensor-parallel GPUs");
      break;
    }
  }
  if (!m.has_num_speculative_tokens()) {
    c.missing(p + ".num_speculative_tokens", "an integer from 1 to " + std::to_string(kMaxSpeculativeTokens));
  } else if (c.int_range(p + ".num_speculative_tokens", m.num_speculative_tokens(), 1, kMaxSpeculativeTokens)) {
    spec.num_tokens = static_cast<int>(m.num_speculative_tokens());
  }
  if (!m.has_acceptance_rate()) {
    c.missing(p + ".acceptance_rate", "a probability in [0, 1)");
  } else if (const double a = m.acceptance_rate(); !(a >= 0 && a < 1)) {
    c.error(p + ".acceptance_rate", p + ".acceptance_rate is " + format_number(a) + "; expected a number in [0, 1)");
  } else {
    spec.acceptance_rate = a;
  }
  if (out.scheduler.kind == SchedulerKind::kStatic) {
    c.error(p, p + " is set with static batching; expected serving.scheduler continuous (speculative decoding is "
                   "modelled for continuous batching only)");
  }
}

}  // namespace stratum::scenarios::detail
