#pragma once
// Scenarios built in code for engine tests: one H100 node from the built-in catalogue.
#include <vector>

#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/request_record.hpp"

namespace stratum::sim::testing {

inline scenarios::Scenario h100_scenario(const char* model_id = "llama-3.1-8b", int gpus = 1, int tp = 1,
                                         int replicas = 1) {
  const auto& catalog = scenarios::Catalog::builtin();
  scenarios::Scenario s;
  s.name = "test";
  s.file = "test.pbtxt";
  scenarios::NodeGroup node;
  node.id = "h100";
  node.gpu = *catalog.find_gpu("h100-sxm5-80gb");
  node.gpus_per_node = gpus;
  node.intra_bandwidth = node.gpu.nvlink_bandwidth;
  node.intra_latency = 3.4e-6;
  s.cluster.nodes.push_back(node);
  scenarios::ServingSpec serving;
  serving.model = *catalog.find_model(model_id);
  serving.replicas[0].tensor_parallel = tp;
  serving.replicas[0].count = replicas;
  s.serving = serving;
  return s;
}

inline RequestRecord request(uint64_t id, double arrival, int64_t input, int64_t output) {
  RequestRecord r;
  r.id = id;
  r.arrival_s = arrival;
  r.input_tokens = input;
  r.output_tokens = output;
  return r;
}

}  // namespace stratum::sim::testing
