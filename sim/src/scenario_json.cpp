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
    const auto& w = v.workload;
    Json slo = Json::object();
    if (v.slo.ttft_s) slo["ttft_s"] = *v.slo.ttft_s;
    if (v.slo.tpot_s) slo["tpot_s"] = *v.slo.tpot_s;
    if (v.slo.e2e_s) slo["e2e_s"] = *v.slo.e2e_s;
    j["serving"] = {{"model", model(v.model)},
                    {"precision", scenarios::to_string(v.precision)},
                    {"replica", {{"tensor_parallel", v.replica.tensor_parallel}, {"count", v.replica.count}}},
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
  }
  j["output"] = {{"dir", s.output.dir}, {"trace", s.output.trace}, {"timeseries_interval_s", s.output.timeseries_interval_s}};
  return j.dump();
}

}  // namespace stratum::sim
