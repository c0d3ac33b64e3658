#pragma once
// `stratum search FILE` (issue 7): for a training scenario's model, GPU count and global batch,
// every valid layout (calibration::enumerate_layouts) is checked for memory
// (calibration::training_memory) and, when it fits, priced with the same analytic step, cost model
// and links as `stratum run` (training_run.hpp); the fitting ones are ranked by step time.
// docs/models.md section 11, "Layout search".
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stratum/calibration/training_layout.hpp"
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/results_writer.hpp"

namespace stratum::sim {

struct SearchRow {
  calibration::TrainingLayout layout;
  int64_t index = 0;                 // position in the enumeration order
  double memory_bytes = 0;           // per GPU, fullest pipeline stage
  double capacity_bytes = 0;
  bool fits = false;
  std::string oom_term;              // largest memory term when it does not fit
  // Lowest recomputation with which the otherwise identical layout fits ("none", "selective",
  // "full"); the layout's own when no lighter one fits.
  calibration::Recompute lightest_fitting = calibration::Recompute::kNone;
  // Step figures, only when it fits.
  double step_time_s = 0, tokens_per_s = 0, mfu = 0, hfu = 0, tflops_per_gpu = 0, bubble_fraction = 0;
  double dp_exposed_s = 0;
  // With cluster.market (issue 8): the cluster's GPUs for one step at the blended on-demand / spot
  // price, over the step's tokens, x 10^6 (calibration/cost_energy.hpp). Same GPUs and tokens per
  // step for every layout, so it ranks as step time does. 0 without a market.
  double cost_per_million_tokens_usd = 0;
  bool tp_intra = true, pp_intra = true, dp_intra = true, cp_intra = true;
};

struct SearchResult {
  int64_t gpus = 0;
  int gpus_per_node = 0;
  int64_t candidates = 0;   // combinations enumerated
  int64_t valid = 0;        // accepted by validate_layout, all evaluated (rows.size())
  int64_t fitting = 0;
  bool priced = false;      // cluster.market given: rows carry cost_per_million_tokens_usd
  std::map<std::string, int64_t> out_of_memory_by_term;  // layouts that do not fit, by largest term
  // Fitting layouts by step time (ties: enumeration order), then the others in enumeration order.
  std::vector<SearchRow> rows;
};

// A training section and, when it spans nodes, a fabric between them; the scenario's own layout
// is not checked (search replaces it).
void check_search(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags);

// `scenario` must pass check_search.
SearchResult search_training_layouts(const scenarios::Scenario& scenario);

// One line saying why a fitting layout ranks where it does, e.g. "fits with selective
// recomputation (none: activations too big); bubble 4.1 %; TP 8 inside a node; PP over NICs;
// 61.2 of 80.0 GB".
std::string search_why(const SearchRow& row);

// search.csv: one row per evaluated layout, in SearchResult::rows order.
std::string search_csv(const SearchResult& result);

// search.csv and search.json (the run.json header plus the counts and the best layouts) into
// `dir`, created when missing; other files there are left alone.
void write_search_results(const std::string& dir, const scenarios::Scenario& scenario, const SearchResult& result,
                          const RunInfo& info, int top);

}  // namespace stratum::sim
