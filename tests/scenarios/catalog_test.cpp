#include "stratum/scenarios/catalog.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace stratum::scenarios {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ScenarioCatalog, BuiltinHasEveryRequiredEntryWithASource) {
  const Catalog& c = Catalog::builtin();
  for (const char* id : {"h100-sxm5-80gb", "h200-sxm-141gb", "h800-sxm-80gb", "a100-sxm4-80gb", "a30-24gb",
                         "l40s-48gb", "rtx-4090-24gb", "jetson-agx-orin-64gb", "ascend-910b"}) {
    const GpuSpec* g = c.find_gpu(id);
    ASSERT_NE(g, nullptr) << id;
    EXPECT_FALSE(g->source.empty()) << id;
    EXPECT_FALSE(g->name.empty()) << id;
    EXPECT_GT(g->memory_bytes, 0) << id;
    EXPECT_GT(g->memory_bandwidth, 0) << id;
    EXPECT_GT(g->peak_bf16_flops, 0) << id;
    EXPECT_GT(g->pcie_bandwidth, 0) << id;
    EXPECT_GT(g->tdp_watts, 0) << id;
  }
  for (const char* id : {"llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "qwen2.5-7b", "qwen2.5-32b", "qwen2.5-72b",
                         "mixtral-8x7b"}) {
    const ModelSpec* m = c.find_model(id);
    ASSERT_NE(m, nullptr) << id;
    EXPECT_FALSE(m->source.empty()) << id;
    EXPECT_EQ(m->heads % m->kv_heads, 0) << id;
    EXPECT_GT(m->params, 1e9) << id;
  }
  EXPECT_EQ(c.find_gpu("h100"), nullptr);
  EXPECT_EQ(c.find_model("llama-3-70b"), nullptr);
}

TEST(ScenarioCatalog, EmbeddedCopyMatchesTheSourceFiles) {
  // The binary carries the catalogue; it must be the one in the source tree.
  Diagnostics diags;
  const Catalog from_files = Catalog::parse(read(STRATUM_SOURCE_DIR "/scenarios/catalog/gpus.pbtxt"), "gpus.pbtxt",
                                            read(STRATUM_SOURCE_DIR "/scenarios/catalog/models.pbtxt"),
                                            "models.pbtxt", diags);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  const Catalog& builtin = Catalog::builtin();
  ASSERT_EQ(from_files.gpus().size(), builtin.gpus().size());
  ASSERT_EQ(from_files.models().size(), builtin.models().size());
  for (size_t i = 0; i < builtin.gpus().size(); ++i) {
    EXPECT_EQ(from_files.gpus()[i].id, builtin.gpus()[i].id);
    EXPECT_EQ(from_files.gpus()[i].memory_bandwidth, builtin.gpus()[i].memory_bandwidth);
  }
}

TEST(ScenarioCatalog, DatasheetFiguresInSiUnits) {
  const Catalog& c = Catalog::builtin();
  const GpuSpec& h100 = *c.find_gpu("h100-sxm5-80gb");
  EXPECT_DOUBLE_EQ(h100.memory_bytes, 80e9);
  EXPECT_DOUBLE_EQ(h100.memory_bandwidth, 3.35e12);
  EXPECT_DOUBLE_EQ(h100.peak_bf16_flops, 989.5e12);
  EXPECT_DOUBLE_EQ(h100.peak_fp8_flops, 1979e12);
  EXPECT_DOUBLE_EQ(h100.nvlink_bandwidth, 450e9);  // 900 GB/s bidirectional
  EXPECT_DOUBLE_EQ(h100.tdp_watts, 700);
  EXPECT_DOUBLE_EQ(c.find_gpu("h200-sxm-141gb")->memory_bandwidth, 4.8e12);
  EXPECT_DOUBLE_EQ(c.find_gpu("a100-sxm4-80gb")->peak_fp8_flops, 0);  // no FP8 on Ampere
  EXPECT_DOUBLE_EQ(c.find_gpu("l40s-48gb")->nvlink_bandwidth, 0);
  EXPECT_TRUE(c.find_gpu("ascend-910b")->secondary_source);
  EXPECT_FALSE(h100.secondary_source);
}

TEST(ScenarioCatalog, ModelArchitectureFromConfigJson) {
  const Catalog& c = Catalog::builtin();
  const ModelSpec& l70 = *c.find_model("llama-3.1-70b");
  EXPECT_EQ(l70.layers, 80);
  EXPECT_EQ(l70.hidden, 8192);
  EXPECT_EQ(l70.heads, 64);
  EXPECT_EQ(l70.kv_heads, 8);
  EXPECT_EQ(l70.head_dim, 128);
  EXPECT_EQ(l70.ffn_hidden, 28672);
  EXPECT_EQ(l70.vocab, 128256);
  EXPECT_TRUE(l70.gated_mlp);
  // KV bytes per token, BF16: 2 x 80 x 8 x 128 x 2 = 327,680 (Kwon et al. SOSP'23 accounting).
  EXPECT_EQ(2 * l70.layers * l70.kv_heads * l70.head_dim * 2, 327680);
  const ModelSpec& mix = *c.find_model("mixtral-8x7b");
  EXPECT_EQ(mix.experts, 8);
  EXPECT_EQ(mix.experts_per_token, 2);
  EXPECT_EQ(c.find_model("llama-3.1-8b")->experts, 0);
  EXPECT_EQ(c.find_model("qwen2.5-7b")->kv_heads, 4);
}

TEST(ScenarioCatalog, ParseReportsErrorsAgainstTheCatalogueFile) {
  Diagnostics diags;
  const std::string gpus =
      "gpu {\n  id: \"x\"\n  name: \"X\"\n  memory: \"80 GB/s\"\n  memory_bandwidth: \"1 TB/s\"\n"
      "  peak_bf16: \"1 TFLOP/s\" peak_fp16: \"1 TFLOP/s\" peak_fp8: \"0 TFLOP/s\" peak_int8: \"0 TOP/s\"\n"
      "  peak_fp32: \"1 TFLOP/s\" nvlink_bandwidth: \"0 GB/s\" pcie_bandwidth: \"32 GB/s\" tdp: \"300\"\n}\n"
      "gpu { id: \"x\" }\n";
  const std::string models = "model { id: \"m\" nmae: \"M\" }\n";
  Catalog::parse(gpus, "scenarios/catalog/gpus.pbtxt", models, "scenarios/catalog/models.pbtxt", diags);
  const std::string text = diags.to_string();
  EXPECT_NE(text.find("scenarios/catalog/gpus.pbtxt:1:1: error: gpu[0].source is missing; expected the datasheet"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("scenarios/catalog/gpus.pbtxt:4:3: error: gpu[0].memory: unit \"GB/s\" in \"80 GB/s\" is a "
                      "bandwidth unit, not a size"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("scenarios/catalog/gpus.pbtxt:7:79: error: gpu[0].tdp: missing unit in \"300\""),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gpu[1].id \"x\" repeats an earlier entry"), std::string::npos) << text;
  EXPECT_NE(text.find("scenarios/catalog/models.pbtxt:1:17: error: unknown field \"nmae\" in Model; did you mean "
                      "\"name\"?"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace stratum::scenarios
