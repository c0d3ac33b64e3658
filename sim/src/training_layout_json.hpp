#pragma once
// Private to sim/: a training layout as the JSON object metrics.json (`layout`) and search.json
// (each candidate's layout) both write, keys in one fixed order so that results keep their bytes.
#include <nlohmann/json.hpp>

#include "stratum/calibration/training_layout.hpp"

namespace stratum::sim {

// The parallel degrees, ZeRO stage, recomputation, schedule and micro-batching; with
// `with_batch`, also the global batch and sequence length (a run's layout states them, a search's
// candidates share the scenario's).
nlohmann::ordered_json training_layout_json(const calibration::TrainingLayout& layout, bool with_batch);

}  // namespace stratum::sim
