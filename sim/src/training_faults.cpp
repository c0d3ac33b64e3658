#include "stratum/sim/training_faults.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "cost_json.hpp"
#include "format.hpp"
#include "stratum/calibration/cost_model_factory.hpp"
#include "stratum/calibration/memory.hpp"
#include "stratum/calibration/storage_model.hpp"
#include "stratum/calibration/training_memory.hpp"
#include "stratum/policies/checkpoint_interval.hpp"
#include "stratum/sim/training_run.hpp"
#include "stratum/topology/blast_radius.hpp"
#include "stratum/topology/cluster_builder.hpp"

namespace stratum::sim {
namespace {

using Json = nlohmann::ordered_json;
constexpr double kInf = std::numeric_limits<double>::infinity();
// The horizon of fault generation grows by doubling until the run ends before it; past this the
// run stops ("no capacity returns" or the steps are done long before). 100 years, far above the
// loader's one-year bound on any configured time (assumption: a bound, not a model).
constexpr double kMaxHorizon = 100.0 * 366 * 86400;

const scenarios::NodeGroup& group(const scenarios::Scenario& s) { return s.cluster.nodes.front(); }

int node_count(const scenarios::Scenario& s) {
  int64_t n = 0;
  for (const scenarios::NodeGroup& g : s.cluster.nodes) n += g.count;
  return static_cast<int>(n);
}

// Bytes of a full checkpoint: 16-bit weights plus FP32 master weights, momentum and variance of
// mixed-precision Adam, 2 + 12 bytes per parameter (Rajbhandari et al. SC'20 section 5, as in
// calibration::zero_model_state_bytes; gradients are not saved). Sharding (ZeRO, DCP) changes who
// writes which bytes, not their sum.
double checkpoint_bytes(const scenarios::TrainingSpec& t) {
  const calibration::ModelStateBytes b = calibration::zero_model_state_bytes(calibration::parameter_count(t.model), 1, 0);
  return b.weights + b.optimizer;
}

policies::FaultInputs fault_inputs(const scenarios::Scenario& s, double horizon) {
  policies::FaultInputs in;
  in.nodes = node_count(s);
  in.gpus_per_node = group(s).gpus_per_node;
  in.horizon_s = horizon;
  in.seed = s.seed;
  if (s.cluster.failures && s.cluster.fabric.kind != scenarios::FabricKind::kNone) {
    in.nodes_behind_switch = topology::nodes_behind_leaves(topology::build_cluster(s.cluster, s.seed));
  }
  return in;
}

CheckpointCosts checkpoint_costs(const scenarios::Scenario& s, const policies::FaultInputs& fin) {
  CheckpointCosts c;
  c.mtbf_s = 0;
  const double rate = policies::fault_rate_per_s(s.cluster.spot, s.cluster.failures, fin);
  if (rate > 0) c.mtbf_s = 1.0 / rate;
  const scenarios::TrainingSpec& t = *s.training;
  if (!t.checkpoint) return c;
  const scenarios::StorageTierSpec* tier = s.cluster.storage.find(t.checkpoint->tier);
  if (tier == nullptr) throw std::invalid_argument("checkpoint tier " + t.checkpoint->tier + " is not in cluster.storage");
  c.bytes = checkpoint_bytes(t);
  // Every node writes its share at once (PyTorch DCP: each rank saves its own shards). A shared
  // tier's bandwidth is split among them, so the whole checkpoint moves at the tier's bandwidth;
  // a local tier (one per node) takes bytes / nodes on each node in parallel.
  const double per_access = tier->shared() ? c.bytes : c.bytes / fin.nodes;
  c.write_s = calibration::write_time(*tier, per_access);
  c.read_s = calibration::read_time(*tier, per_access);
  // Asynchronous checkpointing (PyTorch DCP async_save; PyTorch blog "Reducing Model Checkpointing
  // Times by Over 10x with PyTorch Distributed Asynchronous Checkpointing", 2024: a 7B model's
  // blocking time fell from 148.8 s to 6.3 s) blocks only for the copy of each GPU's shard to host
  // memory over its host link; the write to the tier continues in the background. Assumption:
  // shards are balanced over the GPUs (bytes / GPUs each).
  const scenarios::GpuSpec& gpu = group(s).gpu;
  const double gpus = static_cast<double>(fin.nodes) * fin.gpus_per_node;
  c.copy_s = gpu.pcie_bandwidth > 0 ? c.bytes / gpus / gpu.pcie_bandwidth : 0;
  c.blocking_s = t.checkpoint->async ? c.copy_s : c.write_s;
  if (c.mtbf_s > 0 && c.blocking_s > 0) {
    c.young_s = policies::young_interval_s(c.blocking_s, c.mtbf_s);
    c.daly_s = policies::daly_interval_s(c.blocking_s, c.mtbf_s);
  }
  if (t.checkpoint->policy == scenarios::CheckpointPolicy::kFixed) {
    c.interval_s = t.checkpoint->interval_s;
  } else {
    // Daly's tau is compute time between checkpoints; the period between starts adds the
    // checkpoint itself (Daly 2006, section 2).
    c.interval_s = c.daly_s > 0 ? c.daly_s + c.blocking_s : kInf;
    // An asynchronous checkpoint cannot start before the previous write ends (DCP callers wait on
    // its future), so a period shorter than copy + write would only block training: Daly's period
    // for the blocking cost, but at least copy + write.
    if (t.checkpoint->async) c.interval_s = std::max(c.interval_s, c.copy_s + c.write_s);
  }
  return c;
}

}  // namespace

bool training_has_dynamics(const scenarios::Scenario& s) {
  return s.training && (s.cluster.spot || s.cluster.failures || s.training->checkpoint || s.training->duration_s > 0 ||
                        s.training->elastic);
}

void check_training_dynamics(const scenarios::Scenario& s, scenarios::Diagnostics& diags) {
  if (!s.training || !s.training->checkpoint || s.cluster.nodes.empty()) return;
  const scenarios::CheckpointSpec& k = *s.training->checkpoint;
  const scenarios::StorageTierSpec* tier = s.cluster.storage.find(k.tier);
  if (tier == nullptr) return;  // the loader reported the unknown tier
  const std::string error = scenarios::tier_capacity_error(*tier, tier->shared() ? checkpoint_bytes(*s.training)
                                                                                   : checkpoint_bytes(*s.training) /
                                                                                         node_count(s),
                                                           "the checkpoint");
  if (!error.empty()) diags.error(s.where("training.checkpoint.tier"), "training.checkpoint.tier: " + error);
  if (k.policy == scenarios::CheckpointPolicy::kYoungDaly) {
    const policies::FaultInputs fin = fault_inputs(s, 0);
    if (!(policies::fault_rate_per_s(s.cluster.spot, s.cluster.failures, fin) > 0)) {
      diags.error(s.where("training.checkpoint.young_daly"),
                  "training.checkpoint.young_daly needs a fault rate to compute the interval from, and the cluster "
                  "has none; expected cluster.failures or cluster.spot.interruption_rate, or a fixed interval");
    }
  }
}

TrainingDynamicsRun run_training_dynamics(const scenarios::Scenario& s, const calibration::TrainingStep& step) {
  const scenarios::TrainingSpec& t = *s.training;
  TrainingDynamicsRun run;
  run.nodes = node_count(s);
  run.gpus_per_node = group(s).gpus_per_node;
  const calibration::TrainingLayout full = training_layout(t);
  run.tokens_per_step = static_cast<double>(full.tokens_per_step());
  run.mfu = step.mfu;

  DynamicsInputs in;
  in.target_steps = t.steps;
  in.duration_s = t.duration_s;
  in.nodes = run.nodes;
  in.gpus_per_node = run.gpus_per_node;
  in.gpus_per_replica = int64_t{full.tp} * full.pp * full.cp;
  in.dp_full = full.dp;
  in.elastic = t.elastic;
  in.step_tokens = run.tokens_per_step;
  // Step time at a smaller dp (elastic): the same layout and global batch on dp x tp x pp x cp
  // GPUs, valid when calibration::validate_layout accepts it and it fits in memory; priced as the
  // full step x (estimate at dp / estimate at the full dp), so that the ratio carries whatever
  // options priced the full step.
  const auto costs = calibration::make_cost_model(group(s).gpu, s.profiles);
  double full_estimate = 0;
  std::optional<FabricCuts> cuts;  // the cluster's oversubscribed tiers, built on first use
  const calibration::TrainingStepOptions options = training_step_options(t);  // as the run's own step
  in.step_time = [&](int dp) -> double {
    if (dp == full.dp) return step.step_time_s;
    calibration::TrainingLayout l = full;
    l.dp = dp;
    if (!calibration::validate_layout(l, t.model, l.gpus()).empty()) return 0;
    if (!calibration::training_memory(t.model, group(s).gpu, l, options.memory).fits()) return 0;
    if (!cuts) cuts = fabric_cuts(s.cluster);
    const TrainingLinkPlan links = training_links(s, l, &*cuts);
    const double est =
        calibration::estimate_training_step(*costs, t.model, group(s).gpu, l, links.links, options).step_time_s;
    if (full_estimate == 0) {
      full_estimate = calibration::estimate_training_step(*costs, t.model, group(s).gpu, full,
                                                          training_links(s, full, &*cuts).links, options)
                          .step_time_s;
    }
    return full_estimate > 0 ? step.step_time_s * est / full_estimate : est;
  };

  // Fault events up to a horizon that doubles until the run ends before it: each stream is drawn
  // in time order, so a longer horizon only appends events and the result does not depend on the
  // starting horizon (policies/fault_events.hpp).
  double horizon = t.duration_s > 0 ? t.duration_s
                                    : std::max(86400.0, 2.0 * static_cast<double>(t.steps) * step.step_time_s);
  while (true) {
    const policies::FaultInputs fin = fault_inputs(s, horizon);
    run.checkpoint = checkpoint_costs(s, fin);
    run.checkpointing = t.checkpoint.has_value() && std::isfinite(run.checkpoint.interval_s);
    in.checkpointing = run.checkpointing;
    in.interval_s = run.checkpoint.interval_s;
    in.blocking_s = run.checkpoint.blocking_s;
    in.background_s = t.checkpoint && t.checkpoint->async ? run.checkpoint.write_s : 0;
    in.restore_s = run.checkpoint.read_s;
    run.faults = policies::generate_faults(s.cluster.spot, s.cluster.failures, fin);
    run.result = simulate_training_dynamics(in, run.faults);
    run.horizon_s = horizon;
    if (run.result.wall_s < horizon || t.duration_s > 0 || horizon >= kMaxHorizon) break;
    horizon = std::min(kMaxHorizon, horizon * 2);
  }
  run.fault_events = run.faults.size();
  // GPU time: a node is paid for unless it is away on a spot interruption (failed nodes are held
  // while they are repaired; assumption: the provider bills them, as for any reserved instance).
  const double wall = run.result.wall_s;
  double away_node_s = 0;
  {
    std::vector<std::vector<std::pair<double, double>>> away(static_cast<size_t>(run.nodes));
    for (const policies::FaultEvent& e : run.faults) {
      if (e.kind != policies::FaultKind::kSpotInterruption) continue;
      for (int n : e.nodes) away[static_cast<size_t>(n)].push_back({e.time_s, std::min(e.back_s, wall)});
    }
    for (auto& list : away) {
      std::sort(list.begin(), list.end());
      double covered_to = 0;
      for (const auto& [a, b] : list) {
        const double lo = std::max(a, covered_to);
        if (b > lo && lo < wall) away_node_s += std::min(b, wall) - lo;
        covered_to = std::max(covered_to, b);
      }
    }
  }
  run.held_gpu_s = (static_cast<double>(run.nodes) * wall - away_node_s) * run.gpus_per_node;
  for (const JobInterval& iv : run.result.intervals) {
    if (iv.phase != JobPhase::kDown) run.busy_gpu_s += (iv.end_s - iv.start_s) * static_cast<double>(iv.gpus);
  }
  if (s.cluster.market) {
    calibration::GpuTime gt;
    gt.busy_gpu_s = run.busy_gpu_s;
    gt.idle_gpu_s = std::max(0.0, run.held_gpu_s - run.busy_gpu_s);
    // With cluster.spot every node is a spot node; without it, the market's spot_fraction says.
    gt.spot_gpu_s = s.cluster.spot ? run.held_gpu_s : -1;
    const scenarios::GpuSpec& gpu = group(s).gpu;
    run.cost = calibration::account(gt, *s.cluster.market, gpu.tdp_watts, gpu.idle_power_watts);
  }
  return run;
}

std::string training_dynamics_metrics_json(const scenarios::Scenario& s, const TrainingDynamicsRun& run) {
  const DynamicsResult& r = run.result;
  Json j;
  const double tokens = static_cast<double>(r.steps_completed) * run.tokens_per_step;
  j["wall_clock_s"] = r.wall_s;
  j["steps_completed"] = r.steps_completed;
  j["stop_reason"] = r.stop_reason;
  j["interruptions"] = r.interruptions;
  j["failures"] = r.failures;
  Json by = Json::object();
  for (int k = 0; k < scenarios::kComponentKindCount; ++k) {
    by[scenarios::to_string(static_cast<scenarios::ComponentKind>(k))] = r.failures_by_component[k];
  }
  j["failures_by_component"] = by;
  j["lost_work_s"] = r.lost_work_s;
  j["checkpoint_overhead_s"] = r.checkpoint_overhead_s;
  j["restore_s"] = r.restore_s;
  j["down_s"] = r.down_s;
  j["effective_training_fraction"] = r.effective_training_fraction();
  // Goodput: tokens of completed (kept) steps per second of wall clock.
  j["goodput_tokens_per_s"] = r.wall_s > 0 ? tokens / r.wall_s : 0.0;
  j["checkpoints"] = r.checkpoints;
  j["restarts"] = r.restarts;
  j["resizes"] = r.resizes;
  j["min_dp"] = r.min_dp;
  j["step_executions"] = r.step_executions;
  j["steps_lost"] = r.steps_lost;
  j["cluster_interruptions"] = r.cluster_interruptions;
  j["cluster_failures"] = r.cluster_failures;
  const CheckpointCosts& c = run.checkpoint;
  Json ck;
  ck["enabled"] = run.checkpointing;
  if (s.training->checkpoint) {
    ck["tier"] = s.training->checkpoint->tier;
    ck["async"] = s.training->checkpoint->async;
    ck["policy"] = s.training->checkpoint->policy == scenarios::CheckpointPolicy::kFixed ? "fixed" : "young_daly";
  }
  ck["bytes"] = c.bytes;
  ck["write_s"] = c.write_s;
  ck["read_s"] = c.read_s;
  ck["copy_to_host_s"] = c.copy_s;
  ck["blocking_s"] = c.blocking_s;
  if (std::isfinite(c.interval_s)) ck["interval_s"] = c.interval_s;
  else ck["interval_s"] = nullptr;
  ck["mtbf_s"] = c.mtbf_s;
  ck["young_interval_s"] = c.young_s;
  ck["daly_interval_s"] = c.daly_s;
  j["checkpoint"] = ck;
  j["held_gpu_s"] = run.held_gpu_s;
  j["busy_gpu_s"] = run.busy_gpu_s;
  if (run.cost) {
    // Spend from the GPU-seconds the timeline paid for (spot nodes while not away), replacing
    // the fault-free estimate of cost_json.cpp; same keys as that estimate.
    const calibration::CostEnergy& ce = *run.cost;
    Json cost = cost_summary_json(s, ce, r.wall_s);
    cost["cost_per_step_usd"] = r.steps_completed > 0 ? ce.cost_usd / static_cast<double>(r.steps_completed) : 0.0;
    if (tokens > 0) cost["cost_per_million_tokens_usd"] = calibration::usd_per_million_tokens(ce.cost_usd, tokens);
    else cost["cost_per_million_tokens_usd"] = nullptr;
    // The cost index over the wall clock: the step's MFU as efficiency, goodput as throughput.
    const double per_hour = r.wall_s > 0 ? ce.cost_usd / r.wall_s * 3600.0 : 0.0;
    const double goodput = r.wall_s > 0 ? tokens / r.wall_s : 0.0;
    cost["cost_index"] = cost_index_json(
        calibration::cost_index(run.mfu, goodput, per_hour, s.cluster.market->operational_complexity), "mfu");
    j["cost"] = cost;
  }
  j["fault_events_generated"] = run.fault_events;
  j["fault_horizon_s"] = run.horizon_s;
  return j.dump();
}

std::string training_dynamics_steps_csv(const TrainingDynamicsRun& run) {
  std::string out = "step,attempt,start_s,end_s,step_time_s,dp,status,reason\n";
  for (const StepSegment& seg : run.result.segments) {
    for (int64_t i = 0; i < seg.count; ++i) {
      const double start = seg.start_s + static_cast<double>(i) * seg.step_time_s;
      const bool cut = seg.cut_s > 0 && i == seg.count - 1;
      CsvRow(out)
          .integer(static_cast<long long>(seg.first_step + i))
          .integer(seg.attempt)
          .number(start)
          .number(cut ? start + seg.cut_s : start + seg.step_time_s)
          .number(seg.step_time_s)
          .integer(seg.dp)
          .text(to_string(seg.status))
          .text(seg.reason);
    }
  }
  return out;
}

std::string training_dynamics_timeseries_csv(const scenarios::Scenario& s, const TrainingDynamicsRun& run,
                                             double interval_s) {
  const DynamicsResult& r = run.result;
  const bool priced = run.cost.has_value();
  std::string out = "time_s,available_gpus,running_gpus,computing_gpus,interruptions,failures,checkpoints,steps_completed";
  out += priced ? ",spend_usd\n" : "\n";
  if (!(interval_s > 0) || !(r.wall_s > 0)) return out;
  const size_t bins = static_cast<size_t>(std::ceil(r.wall_s / interval_s));
  std::vector<double> avail(bins, 0), running(bins, 0), computing(bins, 0), done(bins, 0);
  std::vector<long long> interruptions(bins, 0), failures(bins, 0), checkpoints(bins, 0);
  // Spreads value x [a, b) over the bins it overlaps (GPU-seconds per bin).
  const auto spread = [&](std::vector<double>& v, double a, double b, double value) {
    a = std::max(a, 0.0);
    b = std::min(b, r.wall_s);
    while (a < b) {
      const size_t i = std::min(bins - 1, static_cast<size_t>(a / interval_s));
      const double edge = std::min(b, static_cast<double>(i + 1) * interval_s);
      v[i] += (edge - a) * value;
      if (edge <= a) break;
      a = edge;
    }
  };
  const auto bin_of = [&](double t) { return std::min(bins - 1, static_cast<size_t>(std::max(0.0, t) / interval_s)); };
  spread(avail, 0, r.wall_s, static_cast<double>(run.nodes) * run.gpus_per_node);
  for (const policies::FaultEvent& e : run.faults) {
    if (e.kind == policies::FaultKind::kSpotInterruption) {
      spread(avail, e.time_s, e.back_s, -static_cast<double>(e.nodes.size()) * run.gpus_per_node);
    }
  }
  for (const JobInterval& iv : r.intervals) {
    if (iv.phase == JobPhase::kDown) continue;
    spread(running, iv.start_s, iv.end_s, static_cast<double>(iv.gpus));
    if (iv.phase == JobPhase::kCompute) spread(computing, iv.start_s, iv.end_s, static_cast<double>(iv.gpus));
  }
  for (const TimelineEvent& e : r.events) {
    if (e.time_s >= r.wall_s && e.kind != TimelineEventKind::kStop) continue;
    switch (e.kind) {
      case TimelineEventKind::kInterruption: ++interruptions[bin_of(e.time_s)]; break;
      case TimelineEventKind::kFailure: ++failures[bin_of(e.time_s)]; break;
      case TimelineEventKind::kCheckpoint: ++checkpoints[bin_of(e.time_s)]; break;
      default: break;
    }
  }
  for (const StepSegment& seg : r.segments) {
    if (seg.status != StepStatus::kCompleted) continue;
    // Steps whose work is kept, counted in the interval where each ends.
    for (int64_t i = 0; i < seg.count;) {
      const double end = seg.start_s + static_cast<double>(i + 1) * seg.step_time_s;
      const size_t b = bin_of(end - 1e-9);
      const double bin_end = static_cast<double>(b + 1) * interval_s;
      const int64_t in_bin = std::min<int64_t>(seg.count - i, 1 + static_cast<int64_t>(std::floor((bin_end - end) / seg.step_time_s)));
      done[b] += static_cast<double>(std::max<int64_t>(1, in_bin));
      i += std::max<int64_t>(1, in_bin);
    }
  }
  // Spend per interval: paid GPU-seconds x the price (spot for every node with cluster.spot).
  double price = 0;
  if (priced) {
    const scenarios::MarketSpec& m = *s.cluster.market;
    price = (s.cluster.spot ? m.spot_usd_per_gpu_hour
                            : m.on_demand_usd_per_gpu_hour * (1 - m.spot_fraction) + m.spot_usd_per_gpu_hour * m.spot_fraction) /
            3600.0;
  }
  for (size_t i = 0; i < bins; ++i) {
    const double a = static_cast<double>(i) * interval_s;
    const double width = std::min(r.wall_s, a + interval_s) - a;
    CsvRow row(out);
    row.number(a)
        .number(avail[i] / width)
        .number(running[i] / width)
        .number(computing[i] / width)
        .integer(interruptions[i])
        .integer(failures[i])
        .integer(checkpoints[i])
        .integer(static_cast<long long>(done[i]));
    if (priced) row.number(avail[i] * price);
  }
  return out;
}

std::string training_dynamics_trace_json(const TrainingDynamicsRun& run) {
  // Chrome Trace Event format: times in microseconds; pid 1, tid 1 the job's phases, tid 2 faults.
  Json events = Json::array();
  events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 1}, {"args", {{"name", "job"}}}});
  events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 2}, {"args", {{"name", "events"}}}});
  for (const JobInterval& iv : run.result.intervals) {
    events.push_back({{"name", to_string(iv.phase)},
                      {"cat", "training"},
                      {"ph", "X"},
                      {"pid", 1},
                      {"tid", 1},
                      {"ts", iv.start_s * 1e6},
                      {"dur", (iv.end_s - iv.start_s) * 1e6},
                      {"args", {{"gpus", iv.gpus}}}});
    events.push_back({{"name", "running_gpus"}, {"ph", "C"}, {"pid", 1}, {"ts", iv.start_s * 1e6},
                      {"args", {{"gpus", iv.phase == JobPhase::kDown ? 0 : iv.gpus}}}});
  }
  for (const TimelineEvent& e : run.result.events) {
    events.push_back({{"name", to_string(e.kind)},
                      {"cat", "dynamics"},
                      {"ph", "i"},
                      {"s", "t"},
                      {"pid", 1},
                      {"tid", 2},
                      {"ts", e.time_s * 1e6},
                      {"args", {{"detail", e.detail}}}});
  }
  Json j;
  j["traceEvents"] = events;
  j["displayTimeUnit"] = "ms";
  return j.dump() + "\n";
}

}  // namespace stratum::sim
