// serving.autoscaler and the replica lifecycle fields (issue 8): defaults, every field read, and
// the field-level errors (min above max, targets out of range, a pool too small, an unknown or too
// small weights tier), all reported at once.
#include <gtest/gtest.h>

#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

// Eight H100s as eight one-GPU instances, with `serving_extra` inside serving { }.
std::string scenario(const std::string& serving_extra, const std::string& cluster_extra = "") {
  return "cluster {\n"
         "  nodes { id: \"a\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n" +
         cluster_extra +
         "}\n"
         "serving {\n"
         "  model: \"llama-3.1-8b\"\n"
         "  replica { tensor_parallel: 1 count: 8 }\n"
         "  workload { poisson { rate: \"1 /s\" } input { fixed: 100 } output { fixed: 10 } max_requests: 10 }\n" +
         serving_extra + "}\n";
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-autoscaler-loader-test", name, text, out);
}

TEST(AutoscalerLoader, AbsentMeansNone) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("none.pbtxt", scenario(""), &s), "");
  EXPECT_EQ(s->serving->autoscaler.kind, AutoscalerKind::kNone);
  EXPECT_TRUE(s->serving->lifecycle.weights_tier.empty());
  EXPECT_DOUBLE_EQ(s->serving->lifecycle.node_start_s, 0);
}

TEST(AutoscalerLoader, HpaDefaultsAndFields) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("hpa.pbtxt",
                   scenario("  autoscaler { hpa { metric { kind: GPU_UTILIZATION target: 0.7 }\n"
                            "                     metric { kind: QUEUE_LENGTH target: 4 } } max_replicas: 6 }\n"
                            "  weights_tier: \"s3\" node_start: \"60 s\"\n",
                            "  storage { tier { id: \"s3\" kind: OBJECT_STORE capacity: \"1000 TB\" } }\n"),
                   &s),
            "");
  const ServingSpec& v = *s->serving;
  EXPECT_EQ(v.autoscaler.kind, AutoscalerKind::kHpa);
  ASSERT_EQ(v.autoscaler.hpa.metrics.size(), 2u);
  EXPECT_EQ(v.autoscaler.hpa.metrics[1].kind, HpaMetricKind::kQueueLength);
  EXPECT_DOUBLE_EQ(v.autoscaler.hpa.metrics[1].target, 4);
  EXPECT_DOUBLE_EQ(v.autoscaler.hpa.tolerance, 0.1);
  EXPECT_DOUBLE_EQ(v.autoscaler.hpa.sync_period_s, 15);
  EXPECT_DOUBLE_EQ(v.autoscaler.hpa.scale_down_window_s, 300);
  EXPECT_EQ(v.autoscaler.min_replicas, 1);
  EXPECT_EQ(v.autoscaler.max_replicas, 6);
  EXPECT_EQ(v.autoscaler.initial_replicas, 1);
  EXPECT_EQ(v.lifecycle.weights_tier, "s3");
  EXPECT_DOUBLE_EQ(v.lifecycle.node_start_s, 60);
  EXPECT_DOUBLE_EQ(v.lifecycle.weight_bytes, v.model.params * 2);  // BF16
  EXPECT_DOUBLE_EQ(v.lifecycle.retry_timeout_s, 600);
}

TEST(AutoscalerLoader, KnativeDefaults) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("kpa.pbtxt", scenario("  autoscaler { knative { } }\n"), &s), "");
  const AutoscalerSpec& a = s->serving->autoscaler;
  EXPECT_EQ(a.kind, AutoscalerKind::kKnative);
  EXPECT_EQ(a.min_replicas, 0);
  EXPECT_EQ(a.max_replicas, 8);
  EXPECT_EQ(a.initial_replicas, 1);
  EXPECT_DOUBLE_EQ(a.knative.target_concurrency, 100);
  EXPECT_DOUBLE_EQ(a.knative.stable_window_s, 60);
  EXPECT_TRUE(a.knative.scale_to_zero);
}

TEST(AutoscalerLoader, EveryErrorAtItsField) {
  EXPECT_EQ(errors("bad.pbtxt",
                   scenario("  autoscaler { hpa { metric { kind: GPU_UTILIZATION target: 1.5 }\n"
                            "                     metric { kind: QUEUE_LENGTH target: 0 } tolerance: 1\n"
                            "                     sync_period: \"0 s\" } min_replicas: 5 max_replicas: 3 }\n"
                            "  node_start: \"2 h\" retry_timeout: \"0 s\"\n")),
            "F:8:53: error: serving.autoscaler.hpa.metric[0].target is 1.5; expected a number greater than 0 and at "
            "most 1 (a fraction)\n"
            "F:9:50: error: serving.autoscaler.hpa.metric[1].target is 0; expected a number greater than 0\n"
            "F:9:62: error: serving.autoscaler.hpa.tolerance is 1; expected a number from 0 to 0.99\n"
            "F:10:22: error: serving.autoscaler.hpa.sync_period is \"0 s\"; expected a time from 1 s to 1 h\n"
            "F:10:43: error: serving.autoscaler.min_replicas is 5, above max_replicas 3; expected min_replicas <= "
            "max_replicas\n"
            "F:11:3: error: serving.node_start is \"2 h\"; expected a time from 0 to 1 h\n"
            "F:11:21: error: serving.retry_timeout is \"0 s\"; expected a time greater than 0 and at most 1 day\n");
}

TEST(AutoscalerLoader, PoolMetricsAndUnknownTier) {
  EXPECT_EQ(errors("pool.pbtxt",
                   scenario("  autoscaler { hpa { } max_replicas: 9 }\n  weights_tier: \"s4\"\n",
                            "  storage { tier { id: \"s3\" kind: OBJECT_STORE capacity: \"1000 TB\" } }\n")),
            "F:9:16: error: serving.autoscaler.hpa.metric is missing; expected metric { kind: GPU_UTILIZATION "
            "target: 0.7 } (at least one)\n"
            "F:9:24: error: serving.autoscaler.max_replicas is 9, but serving.replica[0].count places only 8 "
            "instances; expected at most 8 (raise the replica group's count and the nodes to hold them)\n"
            "F:10:3: error: serving.weights_tier \"s4\" is not a tier of cluster.storage; did you mean \"s3\"? "
            "expected one of: s3\n");
}

TEST(AutoscalerLoader, TierTooSmallForTheWeights) {
  EXPECT_EQ(errors("small.pbtxt", scenario("  weights_tier: \"s3\"\n",
                                           "  storage { tier { id: \"s3\" kind: OBJECT_STORE capacity: \"1 GB\" } }\n")),
            "F:9:3: error: serving.weights_tier: tier \"s3\" holds 1 GB; one copy of the model's weights needs "
            "16.06 GB; expected a tier of at least 16.06 GB\n");
}

TEST(AutoscalerLoader, PolicyRequiredAndOneColocatedGroup) {
  EXPECT_EQ(errors("none.pbtxt", scenario("  autoscaler { min_replicas: 1 }\n")),
            "F:8:3: error: serving.autoscaler has no policy; expected hpa { ... } or knative { ... }\n");
}

}  // namespace
}  // namespace stratum::scenarios
