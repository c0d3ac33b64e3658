#include "serving_pipeline.hpp"

#include <algorithm>

#include "stratum/calibration/pipeline_stages.hpp"
#include "stratum/calibration/precision_plan.hpp"

namespace stratum::sim {

ServingPipeline::ServingPipeline(const calibration::CostModel& costs, const scenarios::ServingSpec& serving,
                                 const topology::ClusterGraph& graph, const std::vector<int>& gpus,
                                 const calibration::ParallelLayout& layout)
    : tensor_parallel_(layout.tensor_parallel) {
  const auto tp = static_cast<size_t>(layout.tensor_parallel);
  const int stages = static_cast<int>(gpus.size() / tp);
  // Between stages vLLM's Llama-style models send IntermediateTensors {hidden_states, residual}
  // (vllm/model_executor/models/llama.py, LlamaModel.forward on a non-last rank): two
  // [tokens x hidden] tensors in the activation format.
  activation_bytes_per_token_ = 2.0 * static_cast<double>(serving.model.hidden) *
                                scenarios::bytes_per_element(calibration::plan_precision(serving.precision, serving.activations).stream);
  const std::vector<calibration::PipelineStageLayers> split =
      calibration::pipeline_stage_layers(static_cast<int>(serving.model.layers), stages);
  RouteTable routes(graph);
  for (int s = 0; s < stages; ++s) {
    const auto first = gpus.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(s) * tp);
    std::vector<int> ranks(first, first + static_cast<std::ptrdiff_t>(tp));
    collectives_.push_back(tp > 1 ? std::make_unique<TensorParallelCollectives>(graph, ranks, costs,
                                                                                 layout.link_bandwidth, layout.link_latency)
                                  : nullptr);
    calibration::ParallelLayout stage = layout;
    stage.group = collectives_.back().get();
    stage.first_layer = split[static_cast<size_t>(s)].first_layer;
    stage.stage_layers = split[static_cast<size_t>(s)].layers;
    models_.emplace_back(costs, serving.model, calibration::plan_precision(serving.precision, serving.activations), stage);
    if (s + 1 < stages) sends_.push_back(routes.get(ranks.front(), gpus[static_cast<size_t>(s + 1) * tp]));
  }
  free_s_.assign(static_cast<size_t>(stages), 0.0);
}

calibration::IterationCost ServingPipeline::stage_cost(int s, const calibration::IterationBatch& batch) const {
  return models_[static_cast<size_t>(s)].cost(batch);
}

double ServingPipeline::send_seconds(int s, int64_t tokens) const {
  const double bytes = static_cast<double>(tokens) * activation_bytes_per_token_;
  const RouteTable::Entry& route = sends_[static_cast<size_t>(s)];
  // vLLM's GroupCoordinator.send_tensor_dict(..., all_gather_group=tp group)
  // (vllm/distributed/parallel_state.py): each tensor-parallel rank sends 1/tp of each tensor to
  // its peer of the next stage, and the receivers all-gather the slices. The tp sends run at once;
  // assumption: on disjoint routes as fast as rank 0's (NVSwitch ports, or one NIC per GPU).
  double seconds = route.latency + bytes / static_cast<double>(tensor_parallel_) / route.bottleneck;
  if (tensor_parallel_ > 1) {
    seconds += collectives_[static_cast<size_t>(s + 1)]->price(calibration::CollectiveKind::kAllGather, bytes).seconds;
  }
  return seconds;
}

ServingPipeline::Timing ServingPipeline::issue(const calibration::IterationBatch& batch, double start) {
  Timing timing;
  int64_t tokens = static_cast<int64_t>(batch.decode_contexts.size());
  for (const calibration::PrefillChunk& c : batch.prefill) tokens += c.new_tokens;
  double ready = start;  // when stage s's input is there
  double compute = 0;
  for (int s = 0; s < stages(); ++s) {
    const calibration::IterationCost cost = stage_cost(s, batch);
    double& free = free_s_[static_cast<size_t>(s)];
    free = std::max(ready, free) + cost.seconds;
    ready = free;
    if (s + 1 < stages()) ready += send_seconds(s, tokens);
    compute += cost.seconds;
    timing.cost.seconds += cost.seconds;
    for (int p = 0; p < calibration::kProvenanceCount; ++p) {
      timing.cost.seconds_by_provenance[static_cast<size_t>(p)] += cost.seconds_by_provenance[static_cast<size_t>(p)];
    }
    timing.cost.gemm_s += cost.gemm_s;
    timing.cost.attention_s += cost.attention_s;
    timing.cost.other_s += cost.other_s;
    timing.cost.communication_s += cost.communication_s;
  }
  timing.seconds = ready - start;
  timing.busy_seconds = compute / static_cast<double>(stages());
  return timing;
}

}  // namespace stratum::sim
