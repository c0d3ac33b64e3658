#pragma once
// metrics.json sections of issue 6, present only when their feature is configured (so results of
// scenarios without them stay byte-identical): `classes` (per priority class), `admission`,
// `speculative`. And requests.csv's class column and per-class SLO test.
#include <nlohmann/json.hpp>
#include <string>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/serving_run.hpp"

namespace stratum::sim {

nlohmann::ordered_json serving_extras_json(const scenarios::ServingSpec& serving, const ServingRunResult& run);

// The class name of a request for requests.csv; empty when the workload has no classes (no column).
const std::string& request_class_name(const scenarios::ServingSpec& serving, const RequestRecord& r);

}  // namespace stratum::sim
