#pragma once
// Private to sim/: metrics.json's "cost" section (issue 8; docs/models.md "Storage, cost and
// energy"), written only when the scenario has cluster.market so that results without it keep
// their bytes. GPU time counts every GPU of the cluster for the whole simulated time (a deployment
// pays for what it rents, used or not); busy time is what the run measured.
#include <nlohmann/json.hpp>

#include "stratum/calibration/cost_energy.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/metrics.hpp"
#include "stratum/sim/serving_run.hpp"
#include "stratum/sim/training_run.hpp"

namespace stratum::sim {

// The parts every cost section shares: prices, GPU-seconds by state and by market, spend, energy
// and the GPUs' power states, for `c` accumulated over `simulated_time_s`.
nlohmann::ordered_json cost_summary_json(const scenarios::Scenario& scenario, const calibration::CostEnergy& c,
                                         double simulated_time_s);
// The cost index with every input shown; `efficiency_metric` names what `efficiency` is.
nlohmann::ordered_json cost_index_json(const calibration::CostIndex& index, const char* efficiency_metric);

// Serving: busy GPU-seconds are each instance's busy_s x its GPUs; with an autoscaler a group's
// paid GPU-seconds are its instances' held time x their GPUs (stopped instances cost nothing); tokens are the prompt and
// generated tokens of completed requests; the cost index's efficiency is the SLO attainment.
// Null when the scenario has no market.
nlohmann::ordered_json serving_cost_json(const scenarios::Scenario& scenario, const ServingRunResult& run,
                                 const ServingMetrics& metrics);

// Training: GPUs are busy for each step except its pipeline bubble (bubble_fraction); tokens are
// tokens_per_step x steps; the cost index's efficiency is the MFU. Null without a market.
nlohmann::ordered_json training_cost_json(const scenarios::Scenario& scenario, const TrainingRunResult& run);

}  // namespace stratum::sim
