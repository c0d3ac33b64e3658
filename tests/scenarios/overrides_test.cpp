#include <gtest/gtest.h>

#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

const std::string kSmall = STRATUM_SOURCE_DIR "/tests/scenarios/data/small.pbtxt";

std::optional<Scenario> load(const std::vector<Override>& overrides, Diagnostics& diags) {
  return load_scenario(kSmall, overrides, Catalog::builtin(), diags);
}

TEST(ScenarioOverrides, SetScalarsByPath) {
  Diagnostics diags;
  const auto s = load({{"serving.replica[0].tensor_parallel", "4"},
                       {"cluster.nodes[0].count", "3"},
                       {"serving.model", "qwen2.5-32b"},
                       {"serving.precision", "INT4"},
                       {"serving.workload.poisson.rate", "2 /s"},
                       {"output.trace", "false"},
                       {"name", "\"quoted name\""}},
                      diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  EXPECT_EQ(s->serving->replicas.at(0).tensor_parallel, 4);
  EXPECT_EQ(s->cluster.nodes[0].count, 3);
  EXPECT_EQ(s->serving->model.id, "qwen2.5-32b");
  EXPECT_EQ(s->serving->precision, Precision::kInt4);
  EXPECT_DOUBLE_EQ(s->serving->workload.rate_per_s, 2);
  EXPECT_FALSE(s->output.trace);
  EXPECT_EQ(s->name, "quoted name");
  EXPECT_EQ(s->where("serving.replica[0].tensor_parallel").file, "--set serving.replica[0].tensor_parallel");
  EXPECT_EQ(s->where("cluster.nodes[0].count").file, "--set cluster.nodes[0].count");
  EXPECT_EQ(s->where("cluster.nodes[0].gpu").file, kSmall);  // untouched siblings keep the file
}

TEST(ScenarioOverrides, MessageValueReplacesAOneofChoice) {
  Diagnostics diags;
  const auto s = load({{"serving.scheduler.static", "{ batch_size: 4 timeout: \"50 ms\" }"},
                       {"serving.workload.fixed_rate", "rate: \"1 /s\""}},
                      diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  EXPECT_EQ(s->serving->scheduler.kind, SchedulerKind::kStatic);
  EXPECT_EQ(s->serving->scheduler.static_batch_size, 4);
  EXPECT_DOUBLE_EQ(s->serving->scheduler.static_batch_timeout_s, 0.05);
  EXPECT_EQ(s->serving->workload.kind, WorkloadKind::kFixedRate);
  EXPECT_DOUBLE_EQ(s->serving->workload.rate_per_s, 1);
  EXPECT_EQ(s->where("serving.scheduler.static.batch_size").file, "--set serving.scheduler.static");
}

TEST(ScenarioOverrides, SemanticErrorsPointAtTheOverride) {
  Diagnostics diags;
  EXPECT_FALSE(load({{"serving.replica[0].tensor_parallel", "3"}, {"cluster.nodes[0].intra_latency", "2 parsecs"}}, diags)
                   .has_value());
  EXPECT_EQ(diags.to_string(),
            "--set cluster.nodes[0].intra_latency: error: cluster.nodes[0].intra_latency: unknown unit \"parsecs\" in "
            "\"2 parsecs\"; expected a time as a number and a unit, one of: ns, us, ms, s, min, h\n"
            "--set serving.replica[0].tensor_parallel: error: serving.replica[0].tensor_parallel is 3; expected a "
            "power of two from 1 to 1024\n");
}

TEST(ScenarioOverrides, PathErrors) {
  Diagnostics diags;
  EXPECT_FALSE(load({{"serving.replca.count", "2"},
                     {"cluster.nodes[5].count", "2"},
                     {"cluster.nodes.count", "2"},
                     {"serving[0].model", "x"},
                     {"serving..model", "x"},
                     {"serving.replica[0].count", "two"},
                     {"serving.precision", "BF61"},
                     {"serving.replica[0].count", "2 seed: 3"},
                     {"serving.scheduler.static", "{ batch: 4 }"}},
                    diags)
                   .has_value());
  EXPECT_EQ(diags.to_string(),
            "--set serving.replca.count: error: unknown field \"replca\" in Serving; did you mean \"replica\"? "
            "expected one of: model, precision, replica, scheduler, workload, slo, router, admission, speculative, kv_tiers, "
            "moe, activations, autoscaler, weights_tier, node_start, retry_timeout\n"
            "--set cluster.nodes[5].count: error: index 5 is past the end of \"nodes\" (2 entries); expected an index "
            "from 0 to 2 (2 adds an entry)\n"
            "--set cluster.nodes.count: error: \"nodes\" is a list; expected an index, e.g. nodes[0]\n"
            "--set serving[0].model: error: \"serving\" is not a list; expected it without [0]\n"
            "--set serving..model: error: malformed path \"serving..model\"; expected dotted field names, lists by "
            "index: cluster.nodes[0].count\n"
            "--set serving.replica[0].count: error: \"two\" is not valid for count; expected an integer\n"
            "--set serving.precision: error: \"BF61\" is not valid for precision; did you mean \"BF16\"? expected one "
            "of: BF16, FP16, FP8, INT8, INT4\n"
            "--set serving.replica[0].count: error: \"2 seed: 3\" is not valid for count; expected an integer\n"
            "--set serving.scheduler.static: error: in the value \"{ batch: 4 }\" (column 2): unknown field \"batch\" "
            "in Static; did you mean \"batch_size\"? expected one of: batch_size, timeout\n");
}

}  // namespace
}  // namespace stratum::scenarios
