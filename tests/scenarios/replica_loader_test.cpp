// serving.replica groups: bad pipeline_parallel, unknown node groups, expert_parallel on a dense
// model, unpaired disaggregation roles, groups that do not fit — each with its exact message.
#include <gtest/gtest.h>


#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

// Two node groups, "h100" (2 x 8 GPUs) and "a100" (1 x 4); `replicas` inside serving { } (line 4 on).
std::string scenario(const std::string& model, const std::string& replicas) {
  return "cluster { nodes { id: \"h100\" count: 2 gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n"
         "  nodes { id: \"a100\" gpu: \"a100-sxm4-80gb\" gpus_per_node: 4 }\n"
         "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" } } }\n"
         "serving { model: \"" + model + "\"\n" + replicas +
         "  workload { poisson { rate: \"1 /s\" } input { fixed: 10 } output { fixed: 10 } max_requests: 1 }\n"
         "}\n";
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-replica-loader-test", name, text, out);
}

TEST(ReplicaLoader, HeterogeneousGroupsLoad) {
  std::optional<Scenario> s;
  EXPECT_EQ(errors("ok.pbtxt",
                   scenario("llama-3.1-70b",
                            "  replica { nodes: \"h100\" tensor_parallel: 4 pipeline_parallel: 2 count: 2 }\n"
                            "  replica { nodes: \"a100\" tensor_parallel: 4 }\n"),
                   &s),
            "");
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->serving->replicas.size(), 2u);
  EXPECT_EQ(s->serving->replicas[0].pipeline_parallel, 2);
  EXPECT_EQ(s->serving->replicas[0].gpus(), 8);
  EXPECT_EQ(s->serving->replicas[1].nodes, "a100");
  EXPECT_EQ(s->serving->instance_count(), 3);
}

TEST(ReplicaLoader, PipelineParallelOutOfRange) {
  const std::string text = errors("pp.pbtxt", scenario("llama-3.1-8b", "  replica { pipeline_parallel: 33 }\n"));
  EXPECT_NE(text.find("F:5:13: error: serving.replica[0].pipeline_parallel is 33; expected an integer from 1 to 32"),
            std::string::npos)
      << text;
  const std::string zero = errors("pp0.pbtxt", scenario("llama-3.1-8b", "  replica { pipeline_parallel: 0 }\n"));
  EXPECT_NE(zero.find("serving.replica[0].pipeline_parallel is 0; expected an integer from 1 to 32"), std::string::npos)
      << zero;
}

TEST(ReplicaLoader, UnknownNodeGroupSuggestsTheNearest) {
  const std::string text = errors("nodes.pbtxt", scenario("llama-3.1-8b", "  replica { nodes: \"h10\" }\n"));
  EXPECT_NE(text.find("F:5:13: error: serving.replica[0].nodes \"h10\" is not a cluster node group; did you mean "
                      "\"h100\"? expected one of: h100, a100"),
            std::string::npos)
      << text;
}

TEST(ReplicaLoader, ExpertParallelOnADenseModel) {
  const std::string text =
      errors("ep.pbtxt", scenario("llama-3.1-8b", "  replica { tensor_parallel: 2 expert_parallel: 2 }\n"));
  EXPECT_NE(text.find("error: serving.replica[0].expert_parallel is 2 but llama-3.1-8b is a dense model; expected 1, "
                      "or a mixture-of-experts model"),
            std::string::npos)
      << text;
}

TEST(ReplicaLoader, PrefillOnlyWithoutDecodeOnly) {
  const std::string text =
      errors("roles.pbtxt", scenario("llama-3.1-8b", "  replica { role: PREFILL_ONLY }\n  replica { count: 2 }\n"));
  EXPECT_NE(text.find("F:5:13: error: serving.replica[0] is a PREFILL_ONLY pool but no replica group decodes; "
                      "expected a replica { role: DECODE_ONLY count: ... } with at least one GPU"),
            std::string::npos)
      << text;
}

TEST(ReplicaLoader, AGroupLargerThanItsNodeGroup) {
  const std::string text = errors(
      "fit.pbtxt", scenario("llama-3.1-8b", "  replica { nodes: \"a100\" tensor_parallel: 2 pipeline_parallel: 2 count: 2 }\n"));
  EXPECT_NE(text.find("serving.replica[0].count is 2 instances of 4 GPUs (8 GPUs); expected at most 1, as many as fit "
                      "in the 4 GPUs of node group \"a100\""),
            std::string::npos)
      << text;
}

TEST(ReplicaLoader, StaticBatchingWithDisaggregationRoles) {
  const std::string text = errors(
      "static-roles.pbtxt",
      scenario("llama-3.1-8b", "  replica { role: PREFILL_ONLY }\n  replica { role: DECODE_ONLY }\n"
                               "  scheduler { static { batch_size: 4 } }\n"));
  EXPECT_NE(text.find("F:7:15: error: serving.scheduler is static batching, which cannot serve PREFILL_ONLY and "
                      "DECODE_ONLY replica groups; expected scheduler { continuous { ... } }, or every replica "
                      "group COLOCATED"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace stratum::scenarios
