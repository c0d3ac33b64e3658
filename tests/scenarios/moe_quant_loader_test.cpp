// serving.moe, serving.activations and the rejection of quantisations a GPU kind cannot run;
// the DeepSeek-style catalogue fields (issue 6).
#include <gtest/gtest.h>


#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

// A serving scenario on one node of `gpu` with `serving_lines` inside serving { } after the model.
std::string scenario(const std::string& gpu, const std::string& model, const std::string& serving_lines) {
  return "cluster { nodes { id: \"a\" gpu: \"" + gpu + "\" gpus_per_node: 8 } }\n"
         "serving {\n"
         "  model: \"" + model + "\"\n" +
         serving_lines +
         "  workload { poisson { rate: \"1 /s\" } input { fixed: 10 } output { fixed: 10 } max_requests: 1 }\n"
         "}\n";
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors("stratum-moe-quant-loader-test", name, text, out);
}

TEST(MoeQuantLoader, DeepSeekWithSkewAndW8A8Loads) {
  std::optional<Scenario> s;
  EXPECT_EQ(errors("ok.pbtxt",
                   scenario("h200-sxm-141gb", "deepseek-v3",
                            "  precision: FP8\n  replica { tensor_parallel: 8 expert_parallel: 8 }\n"
                            "  moe { zipf_skew: 1.2 }\n"),
                   &s),
            "");
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->serving->moe.zipf_skew, 1.2);
  EXPECT_FALSE(s->serving->activations.has_value());
  EXPECT_EQ(s->serving->replicas.at(0).expert_parallel, 8);
  EXPECT_EQ(s->serving->model.kv_lora_rank, 512);

  EXPECT_EQ(errors("w8a8.pbtxt", scenario("a100-sxm4-80gb", "llama-3.1-8b", "  precision: INT8\n  activations: INT8\n"),
                   &s),
            "");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->serving->activations, Precision::kInt8);
  // FP8 weight-only on an A100 (vLLM's FP8 Marlin path) is allowed.
  EXPECT_EQ(errors("fp8-marlin.pbtxt", scenario("a100-sxm4-80gb", "llama-3.1-8b", "  precision: FP8\n  activations: BF16\n")),
            "");
}

TEST(MoeQuantLoader, MoeOnADenseModelAndSkewOutOfRange) {
  EXPECT_EQ(errors("dense.pbtxt", scenario("h100-sxm5-80gb", "llama-3.1-8b", "  moe { zipf_skew: 1 }\n")),
            "F:4:3: error: serving.moe is set but llama-3.1-8b is a dense model; expected serving.moe only for a "
            "mixture-of-experts model (experts > 0 in scenarios/catalog/models.pbtxt)\n");
  EXPECT_EQ(errors("skew.pbtxt", scenario("h100-sxm5-80gb", "mixtral-8x7b", "  moe { zipf_skew: 5 }\n")),
            "F:4:9: error: serving.moe.zipf_skew is 5; expected a number from 0 to 4\n");
  EXPECT_EQ(errors("skew-neg.pbtxt", scenario("h100-sxm5-80gb", "mixtral-8x7b", "  moe { zipf_skew: -0.5 }\n")),
            "F:4:9: error: serving.moe.zipf_skew is -0.5; expected a number from 0 to 4\n");
}

TEST(MoeQuantLoader, ActivationsMustGoWithTheWeights) {
  EXPECT_EQ(errors("w4a8.pbtxt", scenario("h100-sxm5-80gb", "llama-3.1-8b", "  precision: INT4\n  activations: INT8\n")),
            "F:5:3: error: serving.activations INT8 does not go with precision INT4; expected BF16 or FP16\n");
  EXPECT_EQ(errors("bf16-fp8.pbtxt", scenario("h100-sxm5-80gb", "llama-3.1-8b", "  activations: FP8\n")),
            "F:4:3: error: serving.activations FP8 does not go with precision BF16; expected BF16\n");
}

TEST(MoeQuantLoader, QuantisationTheGpuCannotRunIsRejected) {
  EXPECT_EQ(errors("fp8-a100.pbtxt", scenario("a100-sxm4-80gb", "llama-3.1-8b", "  precision: FP8\n")),
            "F:4:3: error: serving.precision FP8 with activations FP8 (W8A8) needs FP8 tensor cores, which "
            "a100-sxm4-80gb (cluster.nodes[0] \"a\") lacks (peak_fp8 0 in scenarios/catalog/gpus.pbtxt); expected "
            "activations: BF16 (weight-only FP8, as vLLM's FP8 Marlin kernel) or a GPU with FP8 tensor cores\n");
  EXPECT_EQ(errors("fp8-a100-explicit.pbtxt",
                   scenario("ascend-910b", "llama-3.1-8b", "  precision: FP8\n  activations: FP8\n")),
            "F:5:3: error: serving.precision FP8 with activations FP8 (W8A8) needs FP8 tensor cores, which "
            "ascend-910b (cluster.nodes[0] \"a\") lacks (peak_fp8 0 in scenarios/catalog/gpus.pbtxt); expected "
            "activations: BF16 (weight-only FP8, as vLLM's FP8 Marlin kernel) or a GPU with FP8 tensor cores\n");
  // A replica group pinned to the H100 nodes is not checked against the A100 ones.
  const std::string mixed =
      "cluster { nodes { id: \"old\" gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 }\n"
      "          nodes { id: \"new\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 } }\n"
      "serving {\n"
      "  model: \"llama-3.1-8b\"\n"
      "  precision: FP8\n"
      "  replica { nodes: \"new\" }\n"
      "  workload { poisson { rate: \"1 /s\" } input { fixed: 10 } output { fixed: 10 } max_requests: 1 }\n"
      "}\n";
  EXPECT_EQ(errors("mixed.pbtxt", mixed), "");
  std::string unpinned = mixed;
  unpinned.replace(unpinned.find("  replica { nodes: \"new\" }\n"), 27, "");
  EXPECT_EQ(errors("mixed-unpinned.pbtxt", unpinned),
            "F:5:3: error: serving.precision FP8 with activations FP8 (W8A8) needs FP8 tensor cores, which "
            "a100-sxm4-80gb (cluster.nodes[0] \"old\") lacks (peak_fp8 0 in scenarios/catalog/gpus.pbtxt); expected "
            "activations: BF16 (weight-only FP8, as vLLM's FP8 Marlin kernel) or a GPU with FP8 tensor cores\n");
}

TEST(MoeQuantLoader, ExpertParallelMustDivideTheExperts) {
  EXPECT_EQ(errors("ep.pbtxt", scenario("h200-sxm-141gb", "mixtral-8x7b",
                                        "  replica { tensor_parallel: 8 expert_parallel: 16 }\n")),
            "F:4:32: error: serving.replica[0].expert_parallel is 16; expected a divisor of tensor_parallel 8 and of "
            "the 8 experts of mixtral-8x7b\n");
}

TEST(MoeQuantLoader, CatalogueRejectsDeepSeekFieldsOnDenseModels) {
  Diagnostics diags;
  const std::string gpus = "gpu { id: \"g\" name: \"G\" source: \"s\" memory: \"80 GB\" memory_bandwidth: \"1 TB/s\"\n"
                           "  peak_bf16: \"1 TFLOP/s\" peak_fp16: \"1 TFLOP/s\" peak_fp8: \"0 TFLOP/s\" peak_int8: \"1 TOP/s\"\n"
                           "  peak_fp32: \"1 TFLOP/s\" nvlink_bandwidth: \"0 GB/s\" pcie_bandwidth: \"32 GB/s\" tdp: \"300 W\"\n}\n";
  const std::string models =
      "model { id: \"m\" name: \"M\" source: \"s\" layers: 4 hidden: 64 heads: 4 kv_heads: 4 ffn_hidden: 128\n"
      "  vocab: 100 max_context: 1024 params: 1e6 shared_experts: 1 dense_layers: 1 rope_head_dim: 8 }\n";
  Catalog::parse(gpus, "gpus.pbtxt", models, "models.pbtxt", diags);
  EXPECT_EQ(diags.to_string(),
            "models.pbtxt:2:44: error: model[0].shared_experts is set on a dense model; expected experts > 0\n"
            "models.pbtxt:2:62: error: model[0].dense_layers is set on a dense model; expected experts > 0\n"
            "models.pbtxt:2:78: error: model[0].rope_head_dim is set without kv_lora_rank; expected both for "
            "multi-head latent attention\n");
}

}  // namespace
}  // namespace stratum::scenarios
