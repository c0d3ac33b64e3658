// `stratum run FILE`: validate everything first (nothing is written for invalid input), simulate,
// write the results folder, print a short summary for people.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.hpp"
#include "prepare.hpp"
#include "progress.hpp"
#include "run_info.hpp"
#include "stratum/calibration/cost_model.hpp"
#include "stratum/sim/collective.hpp"
#include "stratum/sim/collectives_run.hpp"
#include "stratum/sim/metrics.hpp"
#include "stratum/sim/request_prefixes.hpp"
#include "stratum/sim/results_writer.hpp"
#include "stratum/sim/serving_run.hpp"
#include "stratum/sim/training_flow.hpp"
#include "stratum/sim/training_run.hpp"
#include "stratum/sim/workload.hpp"

namespace stratum::cli {
namespace {

std::string default_out_dir(const scenarios::Scenario& scenario, const Options& options) {
  if (!options.out_dir.empty()) return options.out_dir;
  if (!scenario.output.dir.empty()) return scenario.output.dir;
  return (std::filesystem::path("results") / std::filesystem::path(scenario.file).stem()).string();
}

void print_distribution(const char* name, const sim::Distribution& d) {
  std::printf("  %-5s mean %8.3f s   p50 %8.3f s   p90 %8.3f s   p99 %8.3f s\n", name, d.mean, d.p50, d.p90, d.p99);
}

void print_summary(const scenarios::Scenario& scenario, const sim::ServingRunResult& run, const sim::ServingMetrics& m,
                   const std::string& out_dir, double wall_s) {
  const auto& serving = *scenario.serving;
  std::printf("%s\n", scenario.name.c_str());
  std::string groups;
  for (const scenarios::ReplicaSpec& r : serving.replicas) {
    if (!groups.empty()) groups += ", ";
    groups += std::to_string(r.count) + " x TP" + std::to_string(r.tensor_parallel);
    if (r.pipeline_parallel > 1) groups += " PP" + std::to_string(r.pipeline_parallel);
    if (r.expert_parallel > 1) groups += " EP" + std::to_string(r.expert_parallel);
    if (!r.nodes.empty()) groups += " on " + r.nodes;
    if (r.role != scenarios::ReplicaRole::kColocated) groups += std::string(" ") + scenarios::to_string(r.role);
  }
  std::printf("  %s %s on %d GPUs (%d instance%s: %s), seed %llu\n", serving.model.id.c_str(),
              scenarios::to_string(serving.precision), m.gpus, m.replicas, m.replicas == 1 ? "" : "s", groups.c_str(),
              static_cast<unsigned long long>(scenario.seed));
  std::printf("  requests: %lld arrived, %lld completed, %lld rejected, %lld preemptions; %.1f s simulated\n",
              static_cast<long long>(m.arrived), static_cast<long long>(m.completed),
              static_cast<long long>(m.rejected), static_cast<long long>(m.preemptions), m.simulated_time_s);
  print_distribution("TTFT", m.ttft_s);
  print_distribution("TPOT", m.tpot_s);
  print_distribution("E2E", m.e2e_s);
  std::printf("  throughput %.2f req/s, %.0f output tokens/s; goodput %.2f req/s (%.1f %% of requests met the SLO)\n",
              m.requests_per_s, m.output_tokens_per_s, m.goodput_requests_per_s, 100.0 * m.slo_attainment);
  std::printf("  GPU busy %.1f %% of the time, KV cache peak %.1f %%, %lld engine iterations\n",
              100.0 * m.gpu_utilization, 100.0 * m.kv_peak_fraction, static_cast<long long>(m.iterations));
  double total = 0;
  for (double s : run.gpu_seconds_by_provenance) total += s;
  const double roofline = total > 0 ? run.gpu_seconds_by_provenance[static_cast<int>(calibration::Provenance::kRoofline)] / total : 0;
  if (scenario.profiles.empty()) {
    std::printf("  cost model: %.0f %% of GPU time from the roofline model (no calibration profile)\n", 100.0 * roofline);
  } else {
    std::printf("  cost model: %.0f %% of GPU time from calibration profiles, %.0f %% from the roofline model\n",
                100.0 * (1.0 - roofline), 100.0 * roofline);
  }
  std::printf("  results in %s/ (%.2f s wall, %.0fx real time)\n", out_dir.c_str(), wall_s,
              wall_s > 0 ? m.simulated_time_s / wall_s : 0.0);
}

// A short nccl-tests-like table: one line per row.
void print_collectives(const scenarios::Scenario& scenario, const sim::CollectivesRunResult& run,
                       const std::string& out_dir, double wall_s) {
  std::printf("%s\n", scenario.name.c_str());
  std::printf("  %d rows, %s fidelity, %.6f s simulated\n", static_cast<int>(run.rows.size()),
              scenario.fidelity == scenarios::CommFidelity::kFlow ? "flow" : "analytic", run.simulated_time_s);
  std::printf("  %-15s %14s %6s %-18s %13s %11s %11s\n", "op", "bytes", "ranks", "algorithm", "time (us)", "algbw GB/s",
              "busbw GB/s");
  for (const sim::CollectiveRow& row : run.rows) {
    std::printf("  %-15s %14lld %6d %-18s %13.2f %11.2f %11.2f\n", sim::op_name(row.c.op),
                static_cast<long long>(row.c.bytes), row.c.ranks, row.c.label.c_str(), row.time_s * 1e6,
                row.algbw_Bps / 1e9, row.busbw_Bps / 1e9);
  }
  std::printf("  results in %s/ (%.2f s wall)\n", out_dir.c_str(), wall_s);
}

int run_collectives_command(const Options& options, int argc, char** argv, const scenarios::Scenario& scenario,
                            std::chrono::steady_clock::time_point wall_start) {
  const auto simulate_start = std::chrono::steady_clock::now();
  ProgressReporter progress(options.progress);
  const sim::CollectivesRunResult run =
      sim::run_collectives(scenario, [&progress](double fraction, double t) { progress.update(fraction, t); });
  progress.finish();
  const auto simulate_end = std::chrono::steady_clock::now();
  const std::string out_dir = default_out_dir(scenario, options);
  const sim::RunInfo info = make_run_info(argc, argv, wall_start, simulate_start, simulate_end);
  sim::write_collectives_results(out_dir, scenario, run, info);
  print_collectives(scenario, run, out_dir, info.wall_s);
  return kExitOk;
}

// The training workload (issue 7): one step (simulated on the fabric, or analytic), repeated `steps` times.
int run_training_command(const Options& options, int argc, char** argv, const scenarios::Scenario& scenario,
                         std::chrono::steady_clock::time_point wall_start) {
  const auto simulate_start = std::chrono::steady_clock::now();
  // FLOW (the default) simulates the step on the fabric (training_flow.hpp); ANALYTIC evaluates it.
  const sim::TrainingRunResult run = scenario.fidelity == scenarios::CommFidelity::kFlow
                                         ? sim::run_training_flow(scenario)
                                         : sim::run_training(scenario);
  const auto simulate_end = std::chrono::steady_clock::now();
  const std::string out_dir = default_out_dir(scenario, options);
  const sim::RunInfo info = make_run_info(argc, argv, wall_start, simulate_start, simulate_end);
  sim::write_training_results(out_dir, scenario, run, info);
  const auto& t = *scenario.training;
  const auto& s = run.step;
  std::printf("%s\n", scenario.name.c_str());
  std::printf("  %s %s on %lld GPUs: dp %d tp %d pp %d cp %d ep %d, %lld micro-batches of %lld x %lld tokens per step\n",
              t.model.id.c_str(), scenarios::to_string(t.precision), static_cast<long long>(run.gpus), run.layout.dp,
              run.layout.tp, run.layout.pp, run.layout.cp, run.layout.ep,
              static_cast<long long>(run.layout.micro_batches()), static_cast<long long>(run.layout.micro_batch),
              static_cast<long long>(run.layout.seq_len));
  std::printf("  step %.3f s, %.0f tokens/s, %.1f TFLOP/s per GPU, MFU %.1f %%, HFU %.1f %%, bubble %.1f %%\n",
              s.step_time_s, s.tokens_per_s, s.tflops_per_gpu, 100.0 * s.mfu, 100.0 * s.hfu,
              100.0 * s.bubble_fraction);
  std::printf("  memory %.1f GB of %.1f GB per GPU (largest term: %s); %lld identical %s steps\n",
              s.memory.total() / 1e9, s.memory.capacity / 1e9, s.memory.largest_term(),
              static_cast<long long>(t.steps), run.flow ? "flow" : "analytic");
  if (run.flow) {
    std::printf("  flow: analytic step %.3f s, contention %+.3f s; %lld p2p, %lld tp, %lld dp transfers simulated\n",
                run.flow->analytic_step_time_s, run.flow->contention_s, static_cast<long long>(run.flow->p2p_transfers),
                static_cast<long long>(run.flow->tp_transfers), static_cast<long long>(run.flow->dp_transfers));
  }
  std::printf("  results in %s/ (%.2f s wall)\n", out_dir.c_str(), info.wall_s);
  return kExitOk;
}

}  // namespace

int run_run(const Options& options, int argc, char** argv) {
  const auto wall_start = std::chrono::steady_clock::now();
  scenarios::Diagnostics diags;
  auto scenario = prepare_scenario(options.files.front(), options, diags);
  std::vector<sim::RequestRecord> requests;
  if (scenario && !scenario->serving && !scenario->collectives && !scenario->training) {
    diags.error(scenario->where(""), "nothing to simulate; expected a serving, a collectives or a training section");
  }
  sim::RequestPrefixes prefixes;  // Mooncake prefix blocks, for prefix-aware routing
  if (scenario && scenario->serving) requests = sim::build_workload(*scenario, diags, &prefixes);
  if (!diags.ok()) {
    print_diagnostics(diags);
    return kExitInvalidInput;
  }
  if (scenario->collectives) return run_collectives_command(options, argc, argv, *scenario, wall_start);
  if (options.trace) scenario->output.trace = true;
  if (scenario->training) return run_training_command(options, argc, argv, *scenario, wall_start);
  const auto simulate_start = std::chrono::steady_clock::now();

  ProgressReporter progress(options.progress);
  sim::ServingRunOptions run_options;
  run_options.trace = scenario->output.trace;
  run_options.prefixes = &prefixes;
  run_options.progress = [&progress](double fraction, double t) { progress.update(fraction, t); };
  const sim::ServingRunResult run = sim::run_serving(*scenario, std::move(requests), run_options);
  progress.finish();
  const auto simulate_end = std::chrono::steady_clock::now();
  const sim::ServingMetrics metrics = sim::summarize(run, scenario->serving->slo);

  const std::string out_dir = default_out_dir(*scenario, options);
  const sim::RunInfo info = make_run_info(argc, argv, wall_start, simulate_start, simulate_end);
  sim::write_serving_results(out_dir, *scenario, run, metrics, info);
  print_summary(*scenario, run, metrics, out_dir, info.wall_s);
  return kExitOk;
}

}  // namespace stratum::cli
