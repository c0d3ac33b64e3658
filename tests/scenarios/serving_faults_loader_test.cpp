// Serving under cluster.spot / cluster.failures (issue 8): co-located replicas load; the layouts a
// lost replica is not modelled for (disaggregated pools, pipeline stages, admission control) are
// reported at cluster.spot, all at once.
#include <gtest/gtest.h>

#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

std::string scenario(const std::string& cluster_extra, const std::string& replicas, const std::string& serving_extra) {
  return "cluster {\n"
         "  nodes { id: \"a\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n" +
         cluster_extra +
         "}\n"
         "serving {\n"
         "  model: \"llama-3.1-8b\"\n" +
         replicas +
         "  workload { poisson { rate: \"1 /s\" } input { fixed: 100 } output { fixed: 10 } max_requests: 10 }\n" +
         serving_extra + "}\n";
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-serving-faults-loader-test", name, text, out);
}

TEST(ServingFaultsLoader, CoLocatedReplicasLoad) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("ok.pbtxt",
                   scenario("  spot { interruption_rate: \"0.05 /h\" }\n  failures { }\n",
                            "  replica { tensor_parallel: 1 count: 8 }\n", ""),
                   &s),
            "");
  EXPECT_TRUE(s->cluster.spot.has_value());
  EXPECT_TRUE(s->serving.has_value());
}

TEST(ServingFaultsLoader, PipelineAndAdmissionAreReportedAtTheFaultBlock) {
  EXPECT_EQ(errors("pp.pbtxt", scenario("  failures { }\n", "  replica { tensor_parallel: 2 pipeline_parallel: 2 count: 2 }\n",
                                        "  admission { queue_limit { max_outstanding_per_instance: 4 } }\n")),
            "F:3:3: error: cluster.failures: a lost serving replica is modelled without pipeline stages; expected "
            "pipeline_parallel 1 in every replica group\n"
            "F:3:3: error: cluster.failures: a lost serving replica's requests go back through the replica fleet, "
            "which serving.admission does not know; expected no admission block\n");
}

}  // namespace
}  // namespace stratum::scenarios
