// `stratum search FILE`: every valid training layout of the scenario's model, GPU count and
// global batch, those that fit in memory ranked by step time (issue 7; docs/models.md section 11,
// "Layout search").
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "commands.hpp"
#include "prepare.hpp"
#include "run_info.hpp"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/loader.hpp"
#include "stratum/sim/results_writer.hpp"
#include "stratum/sim/training_search.hpp"

namespace stratum::cli {
namespace {

constexpr int kDefaultTop = 10;

}  // namespace

int run_search(const Options& options, int argc, char** argv) {
  const auto wall_start = std::chrono::steady_clock::now();
  scenarios::Diagnostics diags;
  // Loaded without check_training: the scenario's own layout is only a starting point here, and
  // one that does not fit must not stop the search for one that does.
  auto scenario = scenarios::load_scenario(options.files.front(), options.overrides, scenarios::Catalog::builtin(), diags);
  if (scenario) sim::check_search(*scenario, diags);
  if (!diags.ok()) {
    print_diagnostics(diags);
    return kExitInvalidInput;
  }
  const auto search_start = std::chrono::steady_clock::now();
  const sim::SearchResult result = sim::search_training_layouts(*scenario);
  const auto search_end = std::chrono::steady_clock::now();
  std::string out_dir = options.out_dir;
  if (out_dir.empty()) out_dir = (std::filesystem::path("results") / std::filesystem::path(scenario->file).stem()).string();
  const int top = options.top > 0 ? options.top : kDefaultTop;
  const sim::RunInfo info = make_run_info(argc, argv, wall_start, search_start, search_end);
  sim::write_search_results(out_dir, *scenario, result, info, top);

  const scenarios::TrainingSpec& t = *scenario->training;
  std::printf("%s\n", scenario->name.c_str());
  std::printf("  %s %s on %lld GPUs (%d per node), global batch %lld x %lld tokens\n", t.model.id.c_str(),
              scenarios::to_string(t.precision), static_cast<long long>(result.gpus), result.gpus_per_node,
              static_cast<long long>(t.global_batch), static_cast<long long>(t.seq_len));
  std::printf("  %lld combinations, %lld valid layouts evaluated, %lld fit in memory, %lld do not",
              static_cast<long long>(result.candidates), static_cast<long long>(result.valid),
              static_cast<long long>(result.fitting), static_cast<long long>(result.valid - result.fitting));
  if (!result.out_of_memory_by_term.empty()) {
    std::printf(" (largest term:");
    bool first = true;
    for (const auto& [term, n] : result.out_of_memory_by_term) {
      std::printf("%s %s %lld", first ? "" : ",", term.c_str(), static_cast<long long>(n));
      first = false;
    }
    std::printf(")");
  }
  std::printf("\n");
  if (result.fitting > 0) {
    std::printf("  %4s %5s %3s %3s %3s %3s %-11s %2s %4s %-9s %3s %10s %12s %6s %7s %7s\n", "rank", "dp", "tp", "pp",
                "cp", "ep", "schedule", "sp", "zero", "recompute", "mb", "step (s)", "tokens/s", "MFU %", "TFLOP/s",
                "GB/GPU");
  }
  int shown = 0;
  for (const sim::SearchRow& r : result.rows) {
    if (!r.fits || shown >= top) break;
    ++shown;
    const auto& l = r.layout;
    std::string schedule = calibration::to_string(l.schedule);
    if (l.virtual_stages > 1) schedule += " x" + std::to_string(l.virtual_stages);
    std::printf("  %4d %5d %3d %3d %3d %3d %-11s %2s %4d %-9s %3lld %10.3f %12.0f %6.1f %7.1f %7.1f\n", shown, l.dp,
                l.tp, l.pp, l.cp, l.ep, schedule.c_str(), l.sequence_parallel ? "y" : "n", l.zero_stage,
                calibration::to_string(l.recompute), static_cast<long long>(l.micro_batch), r.step_time_s,
                r.tokens_per_s, 100.0 * r.mfu, r.tflops_per_gpu, r.memory_bytes / 1e9);
    std::printf("       why: %s\n", sim::search_why(r).c_str());
  }
  if (result.fitting == 0) std::printf("  no layout fits in memory\n");
  std::printf("  results in %s/ (search.csv, search.json; %.2f s wall)\n", out_dir.c_str(), info.wall_s);
  return kExitOk;
}

}  // namespace stratum::cli
