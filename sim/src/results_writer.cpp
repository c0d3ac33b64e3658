#include "stratum/sim/results_writer.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "format.hpp"
#include "stratum/sim/collective.hpp"
#include "scenario_json.hpp"
#include "cost_json.hpp"
#include "serving_extras_json.hpp"
#include "stratum/sim/priority_classes.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace stratum::sim {
namespace {

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

Json to_json(const Distribution& d) {
  return Json{{"count", d.count}, {"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}, {"max", d.max}};
}

Json slo_json(const scenarios::SloSpec& slo) {
  Json j = Json::object();
  if (slo.ttft_s) j["ttft_s"] = *slo.ttft_s;
  if (slo.tpot_s) j["tpot_s"] = *slo.tpot_s;
  if (slo.e2e_s) j["e2e_s"] = *slo.e2e_s;
  return j;
}

// Prefix caching and KV offload tiers (docs/models.md section 5), only when prefix caching is on.
void prefix_cache_json(const PrefixCacheMetrics& p, Json& j) {
  Json hits = Json::object();
  for (size_t t = 0; t < p.tiers.size(); ++t) hits[p.tiers[t]] = p.tier_hit_tokens[t];
  j["prefix_cache"] = {{"enabled", true},
                       {"hit_rate", p.hit_rate},
                       {"cached_tokens", p.cached_tokens},
                       {"prompt_tokens", p.prompt_tokens},
                       {"tier_hits", hits},
                       {"evictions", p.evictions}};
  if (p.tiers.size() <= 1) return;
  Json reload = Json::object();
  for (size_t t = 1; t < p.tiers.size(); ++t) reload[p.tiers[t]] = p.tier_reload_s[t];
  j["kv_tiers"] = {{"reload_s", p.reload_s}, {"reload_s_by_tier", reload}};
}

// `extras`: sections appended at the end (issue 6's classes, admission, speculative; empty when off).
std::string metrics_json(const ServingMetrics& m, const scenarios::SloSpec& slo, const Json& extras) {
  Json j;
  j["requests"] = {{"arrived", m.arrived}, {"completed", m.completed}, {"rejected", m.rejected},
                   {"preemptions", m.preemptions}};
  j["ttft_s"] = to_json(m.ttft_s);
  j["tpot_s"] = to_json(m.tpot_s);
  j["e2e_s"] = to_json(m.e2e_s);
  j["queue_s"] = to_json(m.queue_s);
  j["throughput"] = {{"requests_per_s", m.requests_per_s},
                     {"output_tokens_per_s", m.output_tokens_per_s},
                     {"total_tokens_per_s", m.total_tokens_per_s}};
  j["goodput"] = {{"requests_per_s", m.goodput_requests_per_s},
                  {"slo_met", m.slo_met},
                  {"slo_attainment", m.slo_attainment},
                  {"slo", slo_json(slo)}};
  j["utilization"] = {{"gpu", m.gpu_utilization}, {"kv_cache_peak", m.kv_peak_fraction}};
  j["engine"] = {{"iterations", m.iterations}, {"replicas", m.replicas}, {"gpus", m.gpus}};
  j["tokens"] = {{"input", m.input_tokens}, {"output", m.output_tokens}};
  j["simulated_time_s"] = m.simulated_time_s;
  if (m.prefix_cache.enabled) prefix_cache_json(m.prefix_cache, j);
  if (m.disaggregation) {
    const DisaggregationMetrics& d = *m.disaggregation;
    j["disaggregation"] = {{"prefill_instances", d.prefill_instances}, {"decode_instances", d.decode_instances},
                           {"kv_transfers", d.kv_transfers},       {"kv_bytes_total", d.kv_bytes_total},
                           {"kv_transfer_s", to_json(d.kv_transfer_s)}, {"decode_queue_s", to_json(d.decode_queue_s)}};
  }
  for (const auto& [key, value] : extras.items()) j[key] = value;
  return j.dump(2) + "\n";
}

// With priority classes (serving.workload.classes) a last column `class` is added, and meets_slo
// judges each request by its class's SLO.
std::string requests_csv(const ServingRunResult& run, const scenarios::ServingSpec& serving) {
  const bool classes = !serving.classes.empty();
  std::string out =
      "id,arrival_s,input_tokens,output_tokens,instance,status,reason,first_scheduled_s,first_token_s,finish_s,"
      "ttft_s,tpot_s,e2e_s,preemptions,meets_slo,cached_tokens";
  out += classes ? ",class" : "";
  // Prefill-decode disaggregation only, so that co-located results keep their bytes.
  const bool disaggregated = serving.disaggregated();
  if (disaggregated) out += ",prefill_instance,kv_transfer_s,kv_transfer_bytes,decode_queue_s";
  // Issue 8: with cluster.spot / cluster.failures, how often its replica was lost under it.
  const bool faults = run.faults.has_value();
  if (faults) out += ",retries";
  out += "\n";
  out.reserve(out.size() + run.requests.size() * 120);
  std::string reason;
  for (const RequestRecord& r : run.requests) {
    const bool done = r.status == RequestStatus::kCompleted;
    // Reasons are plain text: quoted for their commas, inner double quotes made single.
    reason.clear();
    if (!r.reason.empty()) {
      reason = '"';
      for (char c : r.reason) reason += (c == '"') ? '\'' : c;
      reason += '"';
    }
    CsvRow row(out);
    row.integer(static_cast<long long>(r.id))
        .number(r.arrival_s)
        .integer(r.input_tokens)
        .integer(r.output_tokens)
        .integer(r.instance)
        .text(to_string(r.status))
        .text(reason);
    // Empty fields for times a request never reached, so that a reader cannot mistake -1 for a time.
    auto time = [&row](double t) -> CsvRow& { return t >= 0 ? row.number(t) : row.blank(); };
    time(r.first_scheduled_s);
    time(done ? r.first_token_s : -1);
    time(r.finish_s);
    time(done ? r.ttft_s() : -1);
    time(done ? r.tpot_s() : -1);
    time(done ? r.e2e_s() : -1);
    row.integer(r.preemptions).text(meets_slo(r, request_slo(serving, r)) ? "1" : "0").integer(r.cached_tokens);
    if (classes) row.text(request_class_name(serving, r));
    if (disaggregated) {
      const bool moved = r.kv_arrival_s >= 0;
      (r.prefill_instance >= 0 ? row.integer(r.prefill_instance) : row.blank());
      time(moved ? r.kv_arrival_s - r.kv_transfer_start_s : -1);
      (moved ? row.integer(std::llround(r.kv_transfer_bytes)) : row.blank());
      time(done && moved && r.decode_scheduled_s >= 0 ? r.decode_scheduled_s - r.kv_arrival_s : -1);
    }
    if (faults) row.integer(r.retries);
  }
  return out;
}

std::string timeseries_csv(const ServingRunResult& run) {
  std::string out = "time_s,waiting,running,kv_used_fraction,replicas,gpu_utilization,completed,output_tokens";
  // Issue 8: an autoscaled run adds the instances by state, the requests held at the router and
  // the spend so far (empty without cluster.market).
  if (run.autoscaled) out += ",replicas_ready,replicas_starting,replicas_draining,held_at_router,spend_usd";
  out += "\n";
  for (const TimeseriesSample& s : run.timeseries) {
    CsvRow row(out);
    row.number(s.time_s)
        .integer(s.waiting)
        .integer(s.running)
        .number(s.kv_used_fraction)
        .integer(s.replicas)
        .number(s.gpu_utilization)
        .integer(s.completed)
        .integer(s.output_tokens);
    if (run.autoscaled) {
      row.integer(s.replicas_ready).integer(s.replicas_starting).integer(s.replicas_draining).integer(s.held_at_router);
      if (s.spend_usd) {
        row.number(*s.spend_usd);
      } else {
        row.blank();
      }
    }
  }
  return out;
}

// What every run.json opens with: what ran, from which file, with which seed.
Json run_header(const scenarios::Scenario& scenario, const RunInfo& info) {
  Json j;
  j["stratum_version"] = info.version;
  j["command_line"] = info.command_line;
  j["scenario_file"] = scenario.file;
  j["seed"] = scenario.seed;
  j["scenario"] = Json::parse(scenario_to_json(scenario));
  return j;
}

std::string run_json(const scenarios::Scenario& scenario, const ServingRunResult& run, const RunInfo& info) {
  Json j = run_header(scenario, info);
  double gpu_total = 0;
  for (double s : run.gpu_seconds_by_provenance) gpu_total += s;
  Json provenance = Json::object();
  for (int p = 0; p < calibration::kProvenanceCount; ++p) {
    const double share = gpu_total > 0 ? run.gpu_seconds_by_provenance[p] / gpu_total : 0.0;
    provenance[calibration::to_string(static_cast<calibration::Provenance>(p))] = share;
  }
  // The calibration profiles the run had, by GPU; GPUs without one were priced by the roofline.
  Json profiles = Json::array();
  for (const scenarios::Profile& p : scenario.profiles) {
    profiles.push_back({{"gpu_id", p.header.gpu_id}, {"date", p.header.date}, {"tool", p.header.tool}});
  }
  j["cost_model"] = {{"gpu_time_share_by_provenance", provenance}, {"profiles", profiles}};
  j["wall_time_s"] = info.wall_s;
  j["prepare_wall_s"] = info.prepare_s;
  j["simulate_wall_s"] = info.simulate_s;
  j["engine_iterations"] = run.iterations;
  j["iterations_per_wall_s"] = info.wall_s > 0 ? static_cast<double>(run.iterations) / info.wall_s : 0.0;
  j["iterations_per_simulate_wall_s"] =
      info.simulate_s > 0 ? static_cast<double>(run.iterations) / info.simulate_s : 0.0;
  j["simulated_per_wall_time"] = info.wall_s > 0 ? run.simulated_time_s / info.wall_s : 0.0;
  j["peak_rss_bytes"] = info.peak_rss_bytes;
  // One entry per serving instance: where it ran (replica group = index into serving.replica,
  // node group = into cluster.nodes), its GPUs (tensor_parallel x pipeline_parallel) and activity.
  Json instances = Json::array();
  for (size_t i = 0; i < run.instances.size(); ++i) {
    const InstanceSummary& inst = run.instances[i];
    instances.push_back({{"instance", i},
                         {"replica_group", inst.placement.replica_group},
                         {"node_group", inst.placement.node_group},
                         {"gpu_id", inst.gpu_id},
                         {"gpus", inst.placement.gpus},
                         {"kv_blocks_total", inst.kv_blocks_total},
                         {"kv_blocks_peak", inst.kv_blocks_peak},
                         {"iterations", inst.iterations},
                         {"busy_s", inst.busy_s},
                         {"prefill_tokens", inst.prefill_tokens},
                         {"decode_tokens", inst.decode_tokens},
                         {"preemptions", inst.preemptions}});
  }
  j["instances"] = instances;
  return j.dump(2) + "\n";
}

std::string trace_json(const TraceLog& trace) {
  std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  out.reserve(out.size() + trace.slices.size() * 140 + trace.counters.size() * 140);
  bool first = true;
  auto sep = [&] {
    if (!first) out += ",\n";
    first = false;
  };
  for (size_t t = 0; t < trace.track_names.size(); ++t) {
    sep();
    out += R"({"ph":"M","pid":1,"tid":)";
    append_number(out, static_cast<long long>(t));
    out += R"(,"name":"thread_name","args":{"name":")" + trace.track_names[t] + "\"}}";
  }
  for (const TraceSlice& s : trace.slices) {
    sep();
    out += R"({"ph":"X","pid":1,"tid":)";
    append_number(out, static_cast<long long>(s.track));
    out += s.prefill_tokens == 0 ? R"(,"name":"decode","ts":)"
           : s.decode_tokens == 0 ? R"(,"name":"prefill","ts":)"
                                  : R"(,"name":"prefill+decode","ts":)";
    append_number(out, s.start_s * 1e6);
    out += ",\"dur\":";
    append_number(out, s.duration_s * 1e6);
    out += R"(,"args":{"prefill_tokens":)";
    append_number(out, static_cast<long long>(s.prefill_tokens));
    out += ",\"decode_tokens\":";
    append_number(out, static_cast<long long>(s.decode_tokens));
    out += ",\"sequences\":";
    append_number(out, static_cast<long long>(s.sequences));
    out += "}}";
  }
  for (const TraceCounter& c : trace.counters) {
    sep();
    out += R"({"ph":"C","pid":1,"tid":)";
    append_number(out, static_cast<long long>(c.track));
    out += R"(,"name":"instance )";
    append_number(out, static_cast<long long>(c.track));
    out += R"( queue","ts":)";
    append_number(out, c.time_s * 1e6);
    out += R"(,"args":{"waiting":)";
    append_number(out, static_cast<long long>(c.waiting));
    out += ",\"running\":";
    append_number(out, static_cast<long long>(c.running));
    out += ",\"kv_blocks_used\":";
    append_number(out, static_cast<long long>(c.kv_blocks_used));
    out += "}}";
  }
  for (const TraceReplicaCounter& c : trace.replicas) {  // issue 8: autoscaled runs
    sep();
    out += R"({"ph":"C","pid":1,"tid":0,"name":"replicas","ts":)";
    append_number(out, c.time_s * 1e6);
    out += R"(,"args":{"ready":)";
    append_number(out, static_cast<long long>(c.ready));
    out += ",\"starting\":";
    append_number(out, static_cast<long long>(c.starting));
    out += ",\"draining\":";
    append_number(out, static_cast<long long>(c.draining));
    out += "}}";
  }
  out += "\n]}\n";
  return out;
}

std::string collectives_metrics_json(const scenarios::Scenario& scenario, const CollectivesRunResult& run) {
  Json j;
  j["workload"] = "collectives";
  j["fidelity"] = scenario.fidelity == scenarios::CommFidelity::kFlow ? "flow" : "analytic";
  j["rows"] = run.rows.size();
  // Peak bus bandwidth per op, the figure nccl-tests users compare (doc/PERFORMANCE.md).
  Json peaks = Json::object();
  for (const CollectiveRow& row : run.rows) {
    const char* op = op_name(row.c.op);
    if (peaks.contains(op) && peaks[op]["busbw_GBps"].get<double>() >= row.busbw_Bps / 1e9) continue;
    peaks[op] = {{"busbw_GBps", row.busbw_Bps / 1e9}, {"algbw_GBps", row.algbw_Bps / 1e9},
                 {"bytes", static_cast<long long>(row.c.bytes)}, {"ranks", row.c.ranks},
                 {"algorithm", row.c.label}, {"time_s", row.time_s}};
  }
  j["peak_busbw"] = peaks;
  j["groups"] = scenario.collectives ? scenario.collectives->concurrent_groups : 1;
  j["simulated_time_s"] = run.simulated_time_s;
  return j.dump(2) + "\n";
}

std::string collectives_run_json(const scenarios::Scenario& scenario, const CollectivesRunResult& run,
                                 const RunInfo& info) {
  Json j = run_header(scenario, info);
  j["platform"] = {{"hosts", run.platform_hosts}, {"links", run.platform_links}, {"routes", run.platform_routes}};
  j["wall_time_s"] = info.wall_s;
  j["prepare_wall_s"] = info.prepare_s;
  j["simulate_wall_s"] = info.simulate_s;
  j["simulated_time_s"] = run.simulated_time_s;
  j["peak_rss_bytes"] = info.peak_rss_bytes;
  return j.dump(2) + "\n";
}

void replace_dir(const fs::path& target, const fs::path& staging) {
  fs::remove_all(target);
  fs::rename(staging, target);
}

fs::path fresh_staging(const std::string& dir, fs::path& target) {
  target = fs::absolute(dir).lexically_normal();
  const fs::path staging = target.parent_path() / (target.filename().string() + ".partial-" + std::to_string(getpid()));
  fs::remove_all(staging);
  fs::create_directories(staging);
  return staging;
}

}  // namespace

std::string run_header_json(const scenarios::Scenario& scenario, const RunInfo& info) {
  return run_header(scenario, info).dump();
}

std::string collectives_csv(const CollectivesRunResult& run) {
  std::string out = "op,bytes,ranks,algorithm,time_s,algbw_GBps,busbw_GBps\n";
  for (const CollectiveRow& row : run.rows) {
    CsvRow(out)
        .text(op_name(row.c.op))
        .integer(static_cast<long long>(row.c.bytes))
        .integer(row.c.ranks)
        .text(row.c.label)
        .number(row.time_s)
        .number(row.algbw_Bps / 1e9)
        .number(row.busbw_Bps / 1e9);
  }
  return out;
}

void write_collectives_results(const std::string& dir, const scenarios::Scenario& scenario,
                               const CollectivesRunResult& run, const RunInfo& info) {
  fs::path target;
  const fs::path staging = fresh_staging(dir, target);
  write_file(staging / "collectives.csv", collectives_csv(run));
  write_file(staging / "metrics.json", collectives_metrics_json(scenario, run));
  write_file(staging / "run.json", collectives_run_json(scenario, run, info));
  replace_dir(target, staging);
}

void write_serving_results(const std::string& dir, const scenarios::Scenario& scenario, const ServingRunResult& run,
                           const ServingMetrics& metrics, const RunInfo& info) {
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path staging = target.parent_path() / (target.filename().string() + ".partial-" + std::to_string(getpid()));
  fs::remove_all(staging);
  fs::create_directories(staging);
  const scenarios::SloSpec& slo = scenario.serving->slo;
  Json extras = serving_extras_json(*scenario.serving, run);
  if (scenario.cluster.market) extras["cost"] = serving_cost_json(scenario, run, metrics);  // cost_json.hpp (issue 8)
  if (run.faults) {  // issue 8: serving under cluster.spot / cluster.failures (serving_faults.hpp)
    extras["faults"] = {{"interruptions", run.faults->interruptions},
                        {"failures", run.faults->failures},
                        {"requests_retried", run.faults->requests_retried},
                        {"requests_failed_by_fault", run.faults->requests_failed_by_fault}};
  }
  write_file(staging / "metrics.json", metrics_json(metrics, slo, extras));
  write_file(staging / "requests.csv", requests_csv(run, *scenario.serving));
  write_file(staging / "timeseries.csv", timeseries_csv(run));
  if (scenario.output.trace) write_file(staging / "trace.json", trace_json(run.trace));
  write_file(staging / "run.json", run_json(scenario, run, info));
  fs::remove_all(target);
  fs::rename(staging, target);
}

}  // namespace stratum::sim
