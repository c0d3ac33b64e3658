#include "stratum/calibration/pipeline_stages.hpp"

#include <stdexcept>
#include <string>

namespace stratum::calibration {

std::vector<PipelineStageLayers> pipeline_stage_layers(int layers, int stages) {
  if (stages < 1 || stages > layers) {
    throw std::invalid_argument("pipeline_parallel must be from 1 to the model's " + std::to_string(layers) +
                                " layers, got " + std::to_string(stages));
  }
  std::vector<PipelineStageLayers> out(static_cast<size_t>(stages));
  for (auto& stage : out) stage.layers = layers / stages;
  // vLLM get_pp_indices: for i in range(2, remaining + 2): partitions[-i] += 1.
  const int remaining = layers % stages;
  for (int i = 2; i < remaining + 2; ++i) out[static_cast<size_t>(stages - i)].layers += 1;
  int first = 0;
  for (auto& stage : out) {
    stage.first_layer = first;
    first += stage.layers;
  }
  return out;
}

}  // namespace stratum::calibration
