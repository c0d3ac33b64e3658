#include "stratum/sim/training_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "cost_json.hpp"
#include "format.hpp"
#include "training_layout_json.hpp"
#include "stratum/calibration/cost_model_factory.hpp"
#include "stratum/calibration/stage_layers.hpp"
#include "stratum/calibration/training_memory.hpp"
#include "stratum/sim/rank_geometry.hpp"

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace stratum::sim {
namespace {

using calibration::GroupLink;
using calibration::TrainingLayout;

// The field a calibration::validate_layout problem concerns, from the sentence's opening words
// (training_layout.cpp fixes each sentence's form); the layout block when none is more precise.
std::string field_of(const std::string& problem) {
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"tp x pp x cp x dp", "training.layout"},
      {"global_batch ", "training.global_batch"},
      {"micro_batch ", "training.micro_batch"},
      {"seq_len ", "training.seq_len"},
      {"zero_stage ", "training.layout.zero_stage"},
      {"precision ", "training.precision"},
      {"rank_order ", "training.layout.rank_order"},
      {"virtual_stages ", "training.layout.virtual_stages"},
      {"first_stage_layers", "training.layout.first_stage_layers"},
      {"last_stage_layers", "training.layout.last_stage_layers"},
      {"account_for_embedding", "training.layout.account_for_embedding"},
      {"account_for_loss", "training.layout.account_for_loss"},
      {"the interleaved schedule needs virtual_stages", "training.layout.virtual_stages"},
      {"the interleaved schedule needs pp", "training.layout.pp"},
      {"the interleaved schedule needs the micro-batches", "training.global_batch"},
      {"dp x cp = ", "training.layout.ep"},
      {"dp ", "training.layout.dp"},
      {"tp ", "training.layout.tp"},
      {"pp ", "training.layout.pp"},
      {"cp ", "training.layout.cp"},
      {"ep ", "training.layout.ep"},
  };
  for (const auto& [prefix, field] : kPrefixes) {
    if (problem.rfind(prefix, 0) == 0) return field;
  }
  static const std::pair<const char*, const char*> kContains[] = {
      {" attention heads, not divisible by tp", "training.layout.tp"},
      {" key/value heads, not divisible by tp", "training.layout.tp"},
      {" MLP width of ", "training.layout.tp"},
      {" layers, not divisible by pp", "training.layout.pp"},
      {" experts, not divisible by ep", "training.layout.ep"},
  };
  for (const auto& [part, field] : kContains) {
    if (problem.find(part) != std::string::npos) return field;
  }
  return "training.layout";
}

const scenarios::NodeGroup& node_group(const scenarios::Scenario& s) { return s.cluster.nodes.front(); }

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A group of one rank has no collectives: its scope is "none". An inter-node class that an
// oversubscribed tier limits (training_contention.hpp) says so; others keep their bytes.
Json link_json(const GroupLink& link, int ranks, bool intra, const ClassContention& contention) {
  if (ranks <= 1) return Json{{"ranks", ranks}, {"scope", "none"}};
  Json j{{"ranks", ranks},
         {"scope", intra ? "intra-node" : "inter-node"},
         {"bandwidth_Bps", link.bandwidth},
         {"latency_s", link.latency}};
  if (!intra && contention.limited) {
    j["nic_share_Bps"] = contention.nic_share;
    j["limited_by"] = {{"tier", contention.tier},
                       {"subtree", contention.subtree},
                       {"uplink_bandwidth_Bps", contention.uplink_bandwidth},
                       {"concurrent_flows", contention.flows},
                       {"direction", contention.upward ? "up" : "down"}};
  }
  return j;
}

}  // namespace

TrainingLayout training_layout(const scenarios::TrainingSpec& t) {
  TrainingLayout l;
  l.dp = t.dp;
  l.tp = t.tp;
  l.pp = t.pp;
  l.cp = t.cp;
  l.ep = t.ep;
  l.virtual_stages = t.virtual_stages;
  l.micro_batch = t.micro_batch;
  l.global_batch = t.global_batch;
  l.seq_len = t.seq_len;
  l.sequence_parallel = t.sequence_parallel;
  l.zero_stage = t.zero_stage;
  l.precision = t.precision;
  l.first_stage_layers = t.first_stage_layers;
  l.last_stage_layers = t.last_stage_layers;
  l.account_for_embedding = t.account_for_embedding;
  l.account_for_loss = t.account_for_loss;
  l.rank_order = t.rank_order;
  switch (t.recompute) {
    case scenarios::TrainingRecompute::kNone: l.recompute = calibration::Recompute::kNone; break;
    case scenarios::TrainingRecompute::kSelective: l.recompute = calibration::Recompute::kSelective; break;
    case scenarios::TrainingRecompute::kFull: l.recompute = calibration::Recompute::kFull; break;
  }
  switch (t.schedule) {
    case scenarios::TrainingSchedule::kGpipe: l.schedule = calibration::PipelineSchedule::kGpipe; break;
    case scenarios::TrainingSchedule::kOneFOneB: l.schedule = calibration::PipelineSchedule::kOneFOneB; break;
    case scenarios::TrainingSchedule::kInterleaved: l.schedule = calibration::PipelineSchedule::kInterleaved; break;
  }
  return l;
}

calibration::TrainingStepOptions training_step_options(const scenarios::TrainingSpec& t) {
  calibration::TrainingStepOptions options;
  options.software = t.software;       // training.software (scenarios/training_software.hpp)
  options.memory.dropout = t.dropout;  // training.layout.dropout
  options.memory.fp32_gradients = t.software.grad_reduce_in_fp32;
  options.memory = calibration::step_memory_options(options);  // what the attention core keeps
  return options;
}

TrainingLinkPlan training_links(const scenarios::Scenario& s, const TrainingLayout& l) {
  const FabricCuts cuts = fabric_cuts(s.cluster);
  return training_links(s, l, &cuts);
}

TrainingLinkPlan training_links(const scenarios::Scenario& s, const TrainingLayout& l, const FabricCuts* cuts) {
  const scenarios::NodeGroup& g = node_group(s);
  TrainingLinkPlan plan;
  plan.intra_bandwidth = g.intra_bandwidth;
  plan.intra_latency = g.intra_latency;
  // Between nodes each GPU gets its share of the node's NICs (DGX A100 and H100: one NIC per GPU,
  // NVIDIA DGX user guides), capped by the NIC-leaf link of the fabric's first tier. A transfer
  // crosses GPU-NIC, NIC-leaf, leaf-NIC, NIC-GPU: two NIC latencies and two first-tier links.
  // Switch tiers above the leaf: only where they are oversubscribed, as the capacity bound of
  // training_contention.hpp (every group of a class at once, perfect ECMP), below.
  double nic = g.nics.bandwidth;
  double tier_latency = 0;
  if (!s.cluster.fabric.tiers.empty()) {
    nic = std::min(nic, s.cluster.fabric.tiers.front().bandwidth);
    tier_latency = s.cluster.fabric.tiers.front().latency;
  }
  plan.inter_bandwidth = g.gpus_per_node > 0 ? nic * g.nics.count / g.gpus_per_node : 0;
  plan.inter_latency = 2.0 * g.nics.latency + 2.0 * tier_latency;
  const int64_t gpn = g.gpus_per_node;
  // Blocks start at multiples of their size (node-major numbering), so every group of a class sits
  // in one node exactly when the block divides the node, or when the whole layout is one node;
  // a block that does not divide the node has some group straddling two nodes.
  const int64_t all = l.gpus();
  const auto inside = [gpn, all](int64_t block) { return all <= gpn || (block <= gpn && gpn % block == 0); };
  const RankGeometry where(l);  // the layout's rank order
  plan.tp_intra = inside(where.tp_block());
  plan.cp_intra = inside(where.cp_block());
  // Expert-parallel ranks are consecutive data-parallel ranks (Megatron-Core expert groups):
  // assumption that they sit tp apart (rank_geometry.hpp).
  plan.ep_intra = inside(where.ep_block(l.ep));
  plan.dp_intra = inside(where.dp_block());
  plan.pp_intra = inside(where.pp_block());
  const FabricCuts none;
  const InterClasses inter_classes{!plan.tp_intra, !plan.cp_intra, !plan.ep_intra, !plan.dp_intra, !plan.pp_intra};
  plan.contention = training_contention(cuts != nullptr ? *cuts : none, l, inter_classes, plan.inter_bandwidth);
  const GroupLink intra{plan.intra_bandwidth, plan.intra_latency, nullptr};
  const auto inter = [&](const ClassContention& c) { return GroupLink{c.bandwidth, plan.inter_latency, nullptr}; };
  plan.links.tp = plan.tp_intra ? intra : inter(plan.contention.tp);
  plan.links.cp = plan.cp_intra ? intra : inter(plan.contention.cp);
  plan.links.ep = plan.ep_intra ? intra : inter(plan.contention.ep);
  plan.links.dp = plan.dp_intra ? intra : inter(plan.contention.dp);
  plan.links.pp = plan.pp_intra ? intra : inter(plan.contention.pp);
  return plan;
}

int64_t total_gpus(const scenarios::ClusterSpec& cluster) {
  int64_t n = 0;
  for (const scenarios::NodeGroup& g : cluster.nodes) n += int64_t{g.count} * g.gpus_per_node;
  return n;
}

bool check_training_fabric(const scenarios::Scenario& s, scenarios::Diagnostics& diags) {
  const scenarios::NodeGroup& g = node_group(s);
  const int64_t gpus = total_gpus(s.cluster);
  if (gpus > g.gpus_per_node && (s.cluster.fabric.kind == scenarios::FabricKind::kNone || g.nics.count == 0)) {
    diags.error(s.where("training.layout"),
                "the layout spans " + std::to_string(gpus / std::max(1, g.gpus_per_node)) +
                    " nodes but they have no fabric or NICs between them; expected cluster { fabric { ... } }");
    return false;
  }
  return true;
}

void check_training(const scenarios::Scenario& s, scenarios::Diagnostics& diags) {
  if (!s.training || s.cluster.nodes.empty()) return;
  const scenarios::TrainingSpec& t = *s.training;
  const TrainingLayout l = training_layout(t);
  const int64_t gpus = total_gpus(s.cluster);
  const std::vector<std::string> problems = calibration::validate_layout(l, t.model, gpus);
  for (const std::string& p : problems) diags.error(s.where(field_of(p)), p);
  if (!problems.empty()) return;
  if (!check_training_fabric(s, diags)) return;
  const scenarios::NodeGroup& g = node_group(s);
  const calibration::TrainingMemory memory =
      calibration::training_memory(t.model, g.gpu, l, training_step_options(t).memory);
  if (!memory.fits()) {
    diags.error(s.where("training.layout"),
                t.model.id + " with this layout: " + memory.verdict() +
                    "; expected more tensor or pipeline parallelism, a higher zero_stage, recomputation, a smaller "
                    "micro_batch, or a GPU with more memory");
  }
  check_training_dynamics(s, diags);  // training_faults.cpp: checkpoint tier capacity, Young/Daly inputs
}

TrainingRunResult run_training(const scenarios::Scenario& s, const TrainingRunOptions& options) {
  if (!s.training) throw std::invalid_argument("run_training: the scenario has no training section");
  const scenarios::TrainingSpec& t = *s.training;
  const scenarios::NodeGroup& g = node_group(s);
  TrainingRunResult out;
  out.layout = training_layout(t);
  if (options.fabric_cuts) {
    const FabricCuts cuts = fabric_cuts(s.cluster);
    out.links = training_links(s, out.layout, &cuts);
  } else {
    out.links = training_links(s, out.layout, nullptr);
  }
  out.gpus = out.layout.gpus();
  const auto costs = calibration::make_cost_model(g.gpu, s.profiles);
  out.step = calibration::estimate_training_step(*costs, t.model, g.gpu, out.layout, out.links.links,
                                                 training_step_options(t));
  // Every step is the same analytic step: nothing in the model varies between steps (no data-
  // dependent sequence lengths, no contention from other jobs, no failures).
  out.step_start_s.reserve(static_cast<size_t>(t.steps));
  for (int64_t i = 0; i < t.steps; ++i) out.step_start_s.push_back(static_cast<double>(i) * out.step.step_time_s);
  out.simulated_time_s = static_cast<double>(t.steps) * out.step.step_time_s;
  if (options.dynamics && training_has_dynamics(s)) {
    // Faults, checkpoints, restarts (training_faults.cpp): the wall clock is the timeline's.
    out.dynamics = run_training_dynamics(s, out.step);
    out.simulated_time_s = out.dynamics->result.wall_s;
  }
  return out;
}

std::string training_metrics_json(const scenarios::Scenario& s, const TrainingRunResult& run) {
  const scenarios::TrainingSpec& t = *s.training;
  const calibration::TrainingStep& st = run.step;
  const calibration::TrainingLayout& l = run.layout;
  const calibration::TrainingMemory& m = st.memory;
  Json j;
  j["workload"] = "training";
  j["model"] = t.model.id;
  j["gpu"] = node_group(s).gpu.id;
  j["gpus"] = run.gpus;
  j["precision"] = scenarios::to_string(t.precision);
  j["layout"] = training_layout_json(l, /*with_batch=*/true);
  if (calibration::uneven_stage_layers(l)) {
    // Only for an uneven split, so that even layouts keep their metrics.json bytes.
    Json stages = Json::array();
    const std::vector<int64_t> chunks = calibration::chunk_layers(l, t.model.layers);
    for (int i = 0; i < l.pp; ++i) stages.push_back(calibration::stage_layers(chunks, l.pp, i));
    j["layout"]["stage_layers"] = stages;
    j["layout"]["chunk_layers"] = chunks;
  }
  j["steps"] = t.steps;
  j["step_time_s"] = st.step_time_s;
  j["tokens_per_step"] = l.tokens_per_step();
  j["tokens_per_s"] = st.tokens_per_s;
  j["mfu"] = st.mfu;
  j["hfu"] = st.hfu;
  j["tflops_per_gpu"] = st.tflops_per_gpu;
  j["bubble_fraction"] = st.bubble_fraction;
  j["memory_peak_bytes_per_gpu"] = m.total();
  j["memory"] = {{"stage", m.stage},           {"weights_bytes", m.weights},
                 {"gradients_bytes", m.gradients}, {"optimizer_bytes", m.optimizer},
                 {"activations_bytes", m.activations}, {"temporary_bytes", m.temporary},
                 {"capacity_bytes", m.capacity},   {"largest_term", m.largest_term()}};
  j["flops_per_step"] = {{"model", st.model_flops}, {"hardware", st.hardware_flops}};
  j["breakdown_s"] = {{"layer_forward", st.layer_forward_s},
                      {"layer_backward", st.layer_backward_s},
                      {"layer_communication", st.layer_communication_s},
                      {"p2p", st.p2p_s},
                      {"pipeline_makespan", st.pipeline.makespan_s},
                      {"dp_exposed", st.dp_exposed_s},
                      {"optimizer", st.optimizer_s}};
  const TrainingContention& c = run.links.contention;
  j["links"] = {{"tp", link_json(run.links.links.tp, l.tp, run.links.tp_intra, c.tp)},
                {"cp", link_json(run.links.links.cp, l.cp, run.links.cp_intra, c.cp)},
                {"ep", link_json(run.links.links.ep, l.ep, run.links.ep_intra, c.ep)},
                {"dp", link_json(run.links.links.dp, l.dp * l.cp, run.links.dp_intra, c.dp)},
                {"pp", link_json(run.links.links.pp, l.pp, run.links.pp_intra, c.pp)}};
  j["simulated_time_s"] = run.simulated_time_s;
  if (run.flow) {
    // Flow fidelity only (training_flow.hpp), so that analytic runs keep their bytes.
    const TrainingFlowReport& f = *run.flow;
    j["flow"] = {{"analytic_step_time_s", f.analytic_step_time_s},
                 {"contention_s", f.contention_s},
                 {"simulated_steps", f.simulated_steps},
                 {"actors", f.actors},
                 {"platform", {{"gpus", f.gpus_in_platform}, {"links", f.platform_links}, {"routes", f.platform_routes}}},
                 {"tp_replicas_simulated", f.tp_replicas},
                 {"dp_algorithm", f.dp_algorithm},
                 {"dp_buckets", f.dp_buckets},
                 {"transfers", {{"p2p", f.p2p_transfers}, {"tp", f.tp_transfers}, {"dp", f.dp_transfers}}},
                 {"bytes", {{"p2p", f.p2p_bytes}, {"tp", f.tp_bytes}, {"dp", f.dp_bytes}}}};
  }
  if (s.cluster.market && !run.dynamics) j["cost"] = training_cost_json(s, run);  // cost_json.hpp (issue 8)
  if (run.dynamics) {
    // Faults, checkpoints and their cost from the timeline (training_faults.cpp).
    const Json dynamics = Json::parse(training_dynamics_metrics_json(s, *run.dynamics));
    for (const auto& [key, value] : dynamics.items()) j[key] = value;
  }
  return j.dump(2) + "\n";
}

std::string training_steps_csv(const scenarios::Scenario& s, const TrainingRunResult& run) {
  if (run.dynamics) return training_dynamics_steps_csv(*run.dynamics);  // one row per execution of a step
  std::string out = "step,start_s,end_s,step_time_s,tokens,tokens_per_s,mfu,hfu,tflops_per_gpu,bubble_fraction\n";
  const calibration::TrainingStep& st = run.step;
  (void)s;
  for (size_t i = 0; i < run.step_start_s.size(); ++i) {
    CsvRow(out)
        .integer(static_cast<long long>(i))
        .number(run.step_start_s[i])
        .number(run.step_start_s[i] + st.step_time_s)
        .number(st.step_time_s)
        .integer(static_cast<long long>(run.layout.tokens_per_step()))
        .number(st.tokens_per_s)
        .number(st.mfu)
        .number(st.hfu)
        .number(st.tflops_per_gpu)
        .number(st.bubble_fraction);
  }
  return out;
}

void write_training_results(const std::string& dir, const scenarios::Scenario& s, const TrainingRunResult& run,
                            const RunInfo& info) {
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path staging = target.parent_path() / (target.filename().string() + ".partial-" + std::to_string(getpid()));
  fs::remove_all(staging);
  fs::create_directories(staging);
  write_file(staging / "metrics.json", training_metrics_json(s, run));
  write_file(staging / "steps.csv", training_steps_csv(s, run));
  if (run.dynamics) {
    write_file(staging / "timeseries.csv",
               training_dynamics_timeseries_csv(s, *run.dynamics, s.output.timeseries_interval_s));
  }
  if (s.output.trace && run.dynamics) {
    // The timeline's phases, faults and checkpoints (training_faults.cpp).
    write_file(staging / "trace.json", training_dynamics_trace_json(*run.dynamics));
  } else if (s.output.trace) {
    // trace.json (training_trace.hpp): the flow run's own, or the analytic schedule's.
    std::vector<int> first_gpu;
    for (int i = 0; i < run.layout.pp; ++i) first_gpu.push_back(run.layout.tp * run.layout.cp * run.layout.dp * i);
    write_file(staging / "trace.json",
               training_trace_json(run.flow ? run.trace
                                            : analytic_training_trace(run.step.pipeline, run.step.p2p_s,
                                                                      run.layout.virtual_stages, first_gpu)));
  }
  Json j = Json::parse(run_header_json(s, info));
  j["wall_time_s"] = info.wall_s;
  j["prepare_wall_s"] = info.prepare_s;
  j["simulate_wall_s"] = info.simulate_s;
  j["simulated_time_s"] = run.simulated_time_s;
  j["peak_rss_bytes"] = info.peak_rss_bytes;
  write_file(staging / "run.json", j.dump(2) + "\n");
  fs::remove_all(target);
  fs::rename(staging, target);
}

}  // namespace stratum::sim
