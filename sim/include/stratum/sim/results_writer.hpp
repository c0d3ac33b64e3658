#pragma once
// Writes a serving run's results (DESIGN.md section 7). Files are written into a fresh temporary
// folder that replaces the output folder only once every file is complete, so a failed run never
// leaves partial output posing as a result.
#include <string>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/collectives_run.hpp"
#include "stratum/sim/metrics.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

// Facts about this execution that may differ between identical runs: they go to run.json only,
// never to metrics.json.
struct RunInfo {
  std::string version;
  std::string command_line;
  double wall_s = 0;      // whole command, from start to the results being written
  double prepare_s = 0;   // loading, checking and reading the workload
  double simulate_s = 0;  // the SimGrid run alone
  double peak_rss_bytes = 0;
};

// Throws std::runtime_error naming the path when a file cannot be written.
void write_serving_results(const std::string& dir, const scenarios::Scenario& scenario, const ServingRunResult& run,
                           const ServingMetrics& metrics, const RunInfo& info);

// A collectives run's results: collectives.csv (op,bytes,ranks,algorithm,time_s,algbw_GBps,
// busbw_GBps; GB = 1e9 bytes, as nccl-tests prints), metrics.json (peak bus bandwidth per op) and
// run.json. Same staging and errors as above.
void write_collectives_results(const std::string& dir, const scenarios::Scenario& scenario,
                               const CollectivesRunResult& run, const RunInfo& info);

// collectives.csv's text, header included.
std::string collectives_csv(const CollectivesRunResult& run);

// The JSON object every run.json opens with (version, command line, scenario file, seed, the
// scenario as read), as text; other workloads' writers (training_run.cpp) add their fields.
std::string run_header_json(const scenarios::Scenario& scenario, const RunInfo& info);

}  // namespace stratum::sim
