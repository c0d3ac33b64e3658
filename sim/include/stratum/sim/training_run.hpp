#pragma once
// The training workload (issue 7) on the command line's `run`: the scenario's layout checked
// against its model and cluster, each step priced by calibration::estimate_training_step with the
// GPU's cost model and the cluster's links, and the results written (metrics.json, steps.csv,
// run.json). run_training is analytic: no SimGrid run; every step of a run is the same analytic
// step (docs/models.md section 11). The `flow` fidelity is training_flow.hpp's run_training_flow.
#include <optional>
#include <string>
#include <vector>

#include "stratum/calibration/training_step.hpp"
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/results_writer.hpp"
#include "stratum/sim/training_contention.hpp"
#include "stratum/sim/training_flow_report.hpp"
#include "stratum/sim/training_trace.hpp"
#include "stratum/sim/training_faults.hpp"

namespace stratum::sim {

// The calibration layout of a scenario's training section.
calibration::TrainingLayout training_layout(const scenarios::TrainingSpec& spec);

// Which link each parallel group's collectives cross, per GPU and direction. Ranks are placed in
// the layout's rank order (rank_geometry.hpp: Megatron-LM's tp-cp-ep-dp-pp or tp-cp-ep-pp-dp),
// node-major, so a group stays inside one node when the block of GPUs holding it does; else it
// crosses the NICs (its slowest link).
struct TrainingLinkPlan {
  calibration::TrainingLinks links;
  bool tp_intra = true, cp_intra = true, ep_intra = true, dp_intra = true, pp_intra = true;
  double intra_bandwidth = 0, intra_latency = 0;  // NVLink / PCIe, from the node group
  double inter_bandwidth = 0, inter_latency = 0;  // NIC share per GPU, NIC-leaf-NIC
  // Inter-node classes whose traffic leaves an oversubscribed switch subtree: their bandwidth is
  // min(NIC share, uplink capacity / concurrent flows) (training_contention.hpp); `limited` only
  // where a cut is below the NIC share, so full-bisection fabrics keep the NIC share.
  TrainingContention contention;
};
// `cuts` (fabric_cuts of the scenario's cluster) bounds the inter-node classes by the oversubscribed
// tiers; nullptr gives every inter-node class the NIC share (the `flow` fidelity's baseline, whose
// own transfers show the contention). Callers pricing many layouts compute the cuts once.
TrainingLinkPlan training_links(const scenarios::Scenario& scenario, const calibration::TrainingLayout& layout,
                                const FabricCuts* cuts);
// The same with the cluster's own cuts (builds its graph once per call).
TrainingLinkPlan training_links(const scenarios::Scenario& scenario, const calibration::TrainingLayout& layout);

// The step options a training scenario asks for: training.software and training.layout.dropout.
// Every estimate of the scenario's step (the run, the flow replay, elastic re-layouts) uses them.
calibration::TrainingStepOptions training_step_options(const scenarios::TrainingSpec& training);

// GPUs of the whole cluster (every node group).
int64_t total_gpus(const scenarios::ClusterSpec& cluster);

// False, with an error at training.layout, when the cluster has several nodes but no fabric or NICs
// between them (a training job spans the whole cluster). Shared by check_training and search.
bool check_training_fabric(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags);

// Layout problems (calibration::validate_layout) at the field they concern, a layout spanning
// nodes with no fabric between them, and a layout that does not fit in GPU memory (the term and
// the shortfall). Errors, like every other scenario check: `stratum run` exits 1 and writes nothing.
void check_training(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags);

struct TrainingRunResult {
  calibration::TrainingLayout layout;
  TrainingLinkPlan links;
  calibration::TrainingStep step;
  int64_t gpus = 0;
  // Start time of each simulated step (the first at 0); step i ends at step_start_s[i] + step_time_s.
  std::vector<double> step_start_s;
  double simulated_time_s = 0;
  // Flow fidelity only (training_flow.hpp): what the SimGrid run simulated, and its trace.
  std::optional<TrainingFlowReport> flow;
  TrainingTrace trace;
  // Spot interruptions, failures, checkpoints or a duration (training_faults.hpp; issue 8): the
  // run's timeline. Absent without them, so their results keep their bytes.
  std::optional<TrainingDynamicsRun> dynamics;
};

// What run_training computes besides the analytic step.
struct TrainingRunOptions {
  // false: every inter-node class at the NIC share (training_links with no cuts), as the `flow`
  // fidelity's analytic baseline wants it, since its own transfers then meet the oversubscribed tiers.
  bool fabric_cuts = true;
  // false: no fault and checkpoint timeline even when the scenario has one (the `flow` fidelity
  // runs it on its own step afterwards).
  bool dynamics = true;
};

// `scenario.training` must be set and pass check_training.
TrainingRunResult run_training(const scenarios::Scenario& scenario, const TrainingRunOptions& options = {});

std::string training_metrics_json(const scenarios::Scenario& scenario, const TrainingRunResult& run);
// steps.csv: step,start_s,end_s,step_time_s,tokens,tokens_per_s,mfu,hfu,tflops_per_gpu,bubble_fraction.
std::string training_steps_csv(const scenarios::Scenario& scenario, const TrainingRunResult& run);

// metrics.json, steps.csv and run.json, staged like the other results writers.
void write_training_results(const std::string& dir, const scenarios::Scenario& scenario, const TrainingRunResult& run,
                            const RunInfo& info);

}  // namespace stratum::sim
