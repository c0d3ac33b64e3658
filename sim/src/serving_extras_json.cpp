#include "serving_extras_json.hpp"

#include "stratum/sim/priority_classes.hpp"

namespace stratum::sim {
namespace {

using Json = nlohmann::ordered_json;

Json distribution_json(const Distribution& d) {
  return Json{{"count", d.count}, {"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}, {"max", d.max}};
}

Json slo_json(const scenarios::SloSpec& slo) {
  Json j = Json::object();
  if (slo.ttft_s) j["ttft_s"] = *slo.ttft_s;
  if (slo.tpot_s) j["tpot_s"] = *slo.tpot_s;
  if (slo.e2e_s) j["e2e_s"] = *slo.e2e_s;
  return j;
}

}  // namespace

Json serving_extras_json(const scenarios::ServingSpec& serving, const ServingRunResult& run) {
  Json j = Json::object();
  if (!serving.classes.empty()) {
    Json classes = Json::array();
    for (const ClassMetrics& c : summarize_classes(run, serving)) {
      const ServingMetrics& m = c.metrics;
      classes.push_back({{"name", c.name},
                         {"priority", c.priority},
                         {"share", c.share},
                         {"requests", {{"arrived", m.arrived}, {"completed", m.completed}, {"rejected", m.rejected},
                                       {"preemptions", m.preemptions}}},
                         {"ttft_s", distribution_json(m.ttft_s)},
                         {"tpot_s", distribution_json(m.tpot_s)},
                         {"e2e_s", distribution_json(m.e2e_s)},
                         {"goodput", {{"requests_per_s", m.goodput_requests_per_s},
                                      {"slo_met", m.slo_met},
                                      {"slo_attainment", m.slo_attainment},
                                      {"slo", slo_json(c.slo)}}}});
    }
    j["classes"] = classes;
  }
  if (serving.admission.kind != scenarios::AdmissionKind::kNone) {
    const AdmissionTotals& a = run.admission;
    Json reasons = Json::object();
    for (const auto& [kind, n] : a.reasons) reasons[kind] = n;
    const char* policy = serving.admission.kind == scenarios::AdmissionKind::kQueueLimit ? "queue_limit" : "slo_aware";
    j["admission"] = {{"policy", policy},
                      {"rejected", a.rejected},
                      {"deferred", a.deferred},
                      {"deferred_admitted", a.deferred_admitted},
                      {"reasons", reasons}};
  }
  if (serving.speculative.enabled) {
    const SpeculativeTotals& s = run.speculative;
    j["speculative"] = {
        {"draft_model", serving.speculative.draft.id},
        {"num_speculative_tokens", serving.speculative.num_tokens},
        {"configured_acceptance_rate", serving.speculative.acceptance_rate},
        // Measured over the run: accepted / verified draft tokens, and tokens per verification step.
        {"acceptance_rate", s.draft_tokens > 0 ? static_cast<double>(s.accepted) / static_cast<double>(s.draft_tokens) : 0.0},
        {"mean_tokens_per_step", s.steps > 0 ? static_cast<double>(s.emitted) / static_cast<double>(s.steps) : 0.0},
        {"steps", s.steps},
        {"draft_tokens", s.draft_tokens},
        {"accepted_tokens", s.accepted}};
  }
  return j;
}

const std::string& request_class_name(const scenarios::ServingSpec& serving, const RequestRecord& r) {
  static const std::string none;
  return serving.classes.empty() ? none : serving.classes[r.priority_class].name;
}

}  // namespace stratum::sim
