#pragma once
// How a serving instance's decoder layers are split over its pipeline stages
// (serving.replica.pipeline_parallel), as vLLM splits them.
#include <vector>

namespace stratum::calibration {

struct PipelineStageLayers {
  int first_layer = 0;  // index of the stage's first decoder layer
  int layers = 0;       // consecutive layers it holds
};

// vLLM vllm/distributed/utils.py get_pp_indices (without VLLM_PP_LAYER_PARTITION): every stage
// gets layers / stages; the remainder goes one layer each to the stages before the last, starting
// with the second-to-last (`partitions[-i] += 1` for i in 2..remainder+1), because the last stage
// also runs the final norm and LM head and the first the embedding. 61 layers over 4 stages:
// 15, 15, 16, 15. Throws std::invalid_argument unless 1 <= stages <= layers.
std::vector<PipelineStageLayers> pipeline_stage_layers(int layers, int stages);

}  // namespace stratum::calibration
