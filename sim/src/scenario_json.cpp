#include "scenario_json.hpp"

#include <nlohmann/json.hpp>

#include "stratum/sim/collective.hpp"

using Json = nlohmann::ordered_json;

namespace stratum::sim {
namespace {

const char* workload_kind(scenarios::WorkloadKind k) {
  switch (k) {
    case scenarios::WorkloadKind::kTrace: return "trace";
    case scenarios::WorkloadKind::kPoisson: return "poisson";
    case scenarios::WorkloadKind::kGamma: return "gamma";
    case scenarios::WorkloadKind::kFixedRate: return "fixed_rate";
  }
  return "?";
}

const char* length_kind(scenarios::LengthKind k) {
  switch (k) {
    case scenarios::LengthKind::kFixed: return "fixed";
    case scenarios::LengthKind::kUniform: return "uniform";
    case scenarios::LengthKind::kLognormal: return "lognormal";
    case scenarios::LengthKind::kFromTrace: return "from_trace";
  }
  return "?";
}

const char* fabric_kind(scenarios::FabricKind k) {
  switch (k) {
    case scenarios::FabricKind::kNone: return "none";
    case scenarios::FabricKind::kFatTree: return "fat_tree";
    case scenarios::FabricKind::kRailOptimized: return "rail_optimized";
    case scenarios::FabricKind::kMultiPod: return "multi_pod";
  }
  return "?";
}

Json lengths(const scenarios::LengthDistribution& d) {
  return Json{{"kind", length_kind(d.kind)}, {"value", d.value}, {"min", d.min},
              {"max", d.max}, {"mean", d.mean}, {"stddev", d.stddev}};
}

Json gpu(const scenarios::GpuSpec& g) {
  return Json{{"id", g.id},
              {"memory_bytes", g.memory_bytes},
              {"memory_bandwidth_Bps", g.memory_bandwidth},
              {"peak_bf16_flops", g.peak_bf16_flops},
              {"peak_fp8_flops", g.peak_fp8_flops},
              {"nvlink_bandwidth_Bps", g.nvlink_bandwidth},
              {"pcie_bandwidth_Bps", g.pcie_bandwidth},
              {"source", g.source}};
}

Json model(const scenarios::ModelSpec& m) {
  return Json{{"id", m.id},         {"layers", m.layers},         {"hidden", m.hidden},
              {"heads", m.heads},   {"kv_heads", m.kv_heads},     {"head_dim", m.head_dim},
              {"ffn_hidden", m.ffn_hidden}, {"vocab", m.vocab},   {"experts", m.experts},
              {"experts_per_token", m.experts_per_token}, {"max_context", m.max_context},
              {"source", m.source}};
}

}  // namespace

std::string scenario_to_json(const scenarios::Scenario& s) {
  Json j;
  j["name"] = s.name;
  j["seed"] = s.seed;
  Json nodes = Json::array();
  for (const auto& n : s.cluster.nodes) {
    nodes.push_back({{"id", n.id},
                     {"count", n.count},
                     {"gpus_per_node", n.gpus_per_node},
                     {"intra", n.intra == scenarios::IntraConnect::kNvswitch ? "NVSWITCH" : "PCIE"},
                     {"intra_bandwidth_Bps", n.intra_bandwidth},
                     {"intra_latency_s", n.intra_latency},
                     {"gpu", gpu(n.gpu)},
                     {"nics",
                      {{"placement", n.nics.placement == scenarios::NicPlacement::kPerGpu ? "per_gpu" : "per_node"},
                       {"count", n.nics.count},
                       {"bandwidth_Bps", n.nics.bandwidth},
                       {"latency_s", n.nics.latency}}}});
  }
  Json tiers = Json::array();
  for (const auto& t : s.cluster.fabric.tiers) tiers.push_back({{"bandwidth_Bps", t.bandwidth}, {"latency_s", t.latency}});
  const auto& f = s.cluster.fabric;
  j["cluster"] = {{"nodes", nodes},
                  {"fabric",
                   {{"kind", fabric_kind(f.kind)},
                    {"levels", f.levels},
                    {"radix", f.radix},
                    {"oversubscription", f.oversubscription},
                    {"spines", f.spines},
                    {"pod_gpus", f.pod_gpus},
                    {"pod_oversubscription", f.pod_oversubscription},
                    {"tiers", tiers}}}};
  // Issue 8's storage tiers and market, only when given (run.json unchanged otherwise).
  if (!s.cluster.storage.tiers.empty()) {
    Json storage = Json::array();
    for (const auto& t : s.cluster.storage.tiers) {
      storage.push_back({{"id", t.id},
                         {"kind", scenarios::to_string(t.kind)},
                         {"capacity_bytes", t.capacity_bytes},
                         {"read_bandwidth_Bps", t.read_bandwidth},
                         {"write_bandwidth_Bps", t.write_bandwidth},
                         {"latency_s", t.latency_s}});
    }
    j["cluster"]["storage"] = storage;
  }
  if (s.cluster.market) {
    const auto& m = *s.cluster.market;
    j["cluster"]["market"] = {{"on_demand_usd_per_gpu_hour", m.on_demand_usd_per_gpu_hour},
                              {"spot_usd_per_gpu_hour", m.spot_usd_per_gpu_hour},
                              {"spot_fraction", m.spot_fraction},
                              {"operational_complexity", m.operational_complexity}};
    if (!m.on_demand_source.empty()) j["cluster"]["market"]["on_demand_source"] = m.on_demand_source;
  }
  j["fidelity"] = s.fidelity == scenarios::CommFidelity::kFlow ? "flow" : "analytic";
  if (s.collectives) {
    const auto& c = *s.collectives;
    Json ops = Json::array(), algorithms = Json::array();
    for (const auto op : c.ops) ops.push_back(op_name(op));
    for (const auto a : c.algorithms) algorithms.push_back(algorithm_name(a));
    j["collectives"] = {{"ops", ops},
                        {"min_bytes", c.min_bytes},
                        {"max_bytes", c.max_bytes},
                        {"step_factor", c.step_factor},
                        {"ranks", c.ranks},
                        {"algorithms", algorithms},
                        {"concurrent_groups", c.concurrent_groups}};
  }
  if (s.training) {  // issue 7
    const auto& t = *s.training;
    const char* recompute[] = {"none", "selective", "full"};
    const char* schedule[] = {"gpipe", "1f1b", "interleaved"};
    j["training"] = {{"model", t.model.id},
                     {"precision", scenarios::to_string(t.precision)},
                     {"dp", t.dp},
                     {"tp", t.tp},
                     {"pp", t.pp},
                     {"cp", t.cp},
                     {"ep", t.ep},
                     {"virtual_stages", t.virtual_stages},
                     {"sequence_parallel", t.sequence_parallel},
                     {"zero_stage", t.zero_stage},
                     {"recompute", recompute[static_cast<int>(t.recompute)]},
                     {"schedule", schedule[static_cast<int>(t.schedule)]},
                     {"micro_batch", t.micro_batch},
                     {"global_batch", t.global_batch},
                     {"seq_len", t.seq_len},
                     {"steps", t.steps}};
    // Uneven pipeline split (training.layout.first_stage_layers ...), written only when set.
    if (t.first_stage_layers >= 0) j["training"]["first_stage_layers"] = t.first_stage_layers;
    if (t.last_stage_layers >= 0) j["training"]["last_stage_layers"] = t.last_stage_layers;
    if (t.account_for_embedding) j["training"]["account_for_embedding"] = true;
    if (t.account_for_loss) j["training"]["account_for_loss"] = true;
    if (!t.dropout) j["training"]["dropout"] = false;
    if (t.rank_order != scenarios::RankOrder::kTpCpEpDpPp) j["training"]["rank_order"] = scenarios::to_string(t.rank_order);
  }
  if (s.serving) {
    const auto& v = *s.serving;
    const auto& sch = v.scheduler;
    Json scheduler = sch.kind == scenarios::SchedulerKind::kContinuous
                         ? Json{{"kind", "continuous"},
                                {"max_num_seqs", sch.max_num_seqs},
                                {"max_batched_tokens", sch.max_batched_tokens},
                                {"chunked_prefill", sch.chunked_prefill},
                                {"block_size_tokens", sch.block_size_tokens},
                                {"gpu_memory_utilization", sch.gpu_memory_utilization}}
                         : Json{{"kind", "static"},
                                {"batch_size", sch.static_batch_size},
                                {"timeout_s", sch.static_batch_timeout_s}};
    Json replicas = Json::array();
    for (const scenarios::ReplicaSpec& r : v.replicas) {
      replicas.push_back({{"count", r.count},
                          {"tensor_parallel", r.tensor_parallel},
                          {"pipeline_parallel", r.pipeline_parallel},
                          {"expert_parallel", r.expert_parallel},
                          {"nodes", r.nodes},
                          {"role", scenarios::to_string(r.role)}});
    }
    const auto& w = v.workload;
    Json slo = Json::object();
    if (v.slo.ttft_s) slo["ttft_s"] = *v.slo.ttft_s;
    if (v.slo.tpot_s) slo["tpot_s"] = *v.slo.tpot_s;
    if (v.slo.e2e_s) slo["e2e_s"] = *v.slo.e2e_s;
    j["serving"] = {{"model", model(v.model)},
                    {"precision", scenarios::to_string(v.precision)},
                    {"replicas", replicas},
                    {"scheduler", scheduler},
                    {"workload",
                     {{"kind", workload_kind(w.kind)},
                      {"trace_path", w.trace_path},
                      {"trace_format", w.trace_format == scenarios::TraceFormat::kAzureCsv ? "azure_csv" : "mooncake_jsonl"},
                      {"time_scale", w.time_scale},
                      {"rate_per_s", w.rate_per_s},
                      {"cv", w.cv},
                      {"input", lengths(w.input)},
                      {"output", lengths(w.output)},
                      {"max_requests", w.max_requests},
                      {"duration_s", w.duration_s}}},
                    {"slo", slo}};
    // Issue 6 quantisation and MoE routing: written only when they apply, so other run.json files stay as they were.
    if (v.activations) j["serving"]["activations"] = scenarios::to_string(*v.activations);
    if (v.model.experts > 0) j["serving"]["moe"] = {{"zipf_skew", v.moe.zipf_skew}};
    // A time-varying arrival rate (issue 8): written only when set, like the fields below.
    if (w.rate_profile) {
      Json points = Json::array();
      for (const scenarios::RatePointSpec& pt : w.rate_profile->points) {
        points.push_back({{"at_s", pt.at_s}, {"rate_per_s", pt.rate_per_s}});
      }
      j["serving"]["workload"]["rate_profile"] = {{"points", points}, {"period_s", w.rate_profile->period_s}};
    }
    // Issue 6 classes, admission and speculative decoding: likewise only when set.
    auto slo_of = [](const scenarios::SloSpec& o) {
      Json x = Json::object();
      if (o.ttft_s) x["ttft_s"] = *o.ttft_s;
      if (o.tpot_s) x["tpot_s"] = *o.tpot_s;
      if (o.e2e_s) x["e2e_s"] = *o.e2e_s;
      return x;
    };
    if (!v.classes.empty()) {
      Json classes = Json::array();
      for (const scenarios::PriorityClassSpec& k : v.classes) {
        classes.push_back({{"name", k.name}, {"share", k.share}, {"priority", k.priority},
                           {"slo", slo_of(k.slo ? *k.slo : v.slo)}});
      }
      j["serving"]["workload"]["classes"] = classes;
    }
    if (v.admission.kind != scenarios::AdmissionKind::kNone) {
      Json a = {{"policy", v.admission.kind == scenarios::AdmissionKind::kQueueLimit ? "queue_limit" : "slo_aware"}};
      if (v.admission.kind == scenarios::AdmissionKind::kQueueLimit) {
        a["max_outstanding_per_instance"] = v.admission.max_outstanding_per_instance;
      } else {
        a["on_violation"] = v.admission.defer ? "DEFER" : "REJECT";
        if (v.admission.max_defer_s) a["max_defer_s"] = *v.admission.max_defer_s;
      }
      j["serving"]["admission"] = a;
    }
    if (v.speculative.enabled) {
      j["serving"]["speculative"] = {{"draft_model", model(v.speculative.draft)},
                                     {"num_speculative_tokens", v.speculative.num_tokens},
                                     {"acceptance_rate", v.speculative.acceptance_rate}};
    }
    // Prefix caching and KV offload tiers: only when on.
    if (sch.prefix_caching) j["serving"]["scheduler"]["prefix_caching"] = true;
    if (!v.kv_tiers.empty()) {
      Json offload = Json::array();
      for (const scenarios::KvTierSpec& t : v.kv_tiers) {
        offload.push_back({{"kind", scenarios::to_string(t.kind)}, {"capacity_bytes", t.capacity_bytes},
                         {"bandwidth_Bps", t.bandwidth}, {"latency_s", t.latency}});
      }
      j["serving"]["kv_tiers"] = offload;
    }
  }
  j["output"] = {{"dir", s.output.dir}, {"trace", s.output.trace}, {"timeseries_interval_s", s.output.timeseries_interval_s}};
  return j.dump();
}

}  // namespace stratum::sim
