#include "stratum/kernels/shape_grid.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "stratum/scenarios/catalog.hpp"

namespace stratum::kernels {
namespace {

const scenarios::ModelSpec& model(const std::string& id) {
  const auto* m = scenarios::Catalog::builtin().find_model(id);
  if (m == nullptr) throw std::runtime_error("missing model " + id);
  return *m;
}

TEST(ShapeGrid, Llama8bLinearsAtTp1AndTp8) {
  // Llama 3.1 8B: hidden 4096, 32 heads, 8 KV heads, head_dim 128, ffn 14336.
  const auto tp1 = layer_linears(model("llama-3.1-8b"), 1);
  ASSERT_EQ(tp1.dense.size(), 4u);
  EXPECT_EQ(tp1.dense[0], (LinearShape{(32 + 2 * 8) * 128, 4096}));  // QKV 6144 x 4096
  EXPECT_EQ(tp1.dense[1], (LinearShape{4096, 4096}));                // O
  EXPECT_EQ(tp1.dense[2], (LinearShape{2 * 14336, 4096}));           // gate/up
  EXPECT_EQ(tp1.dense[3], (LinearShape{4096, 14336}));               // down
  EXPECT_TRUE(tp1.expert.empty());
  const auto tp8 = layer_linears(model("llama-3.1-8b"), 8);
  ASSERT_EQ(tp8.dense.size(), 4u);
  EXPECT_EQ(tp8.dense[0], (LinearShape{(4 + 2 * 1) * 128, 4096}));
  EXPECT_EQ(tp8.dense[1], (LinearShape{4096, 512}));
  EXPECT_EQ(tp8.dense[2], (LinearShape{2 * 1792, 4096}));
  EXPECT_EQ(tp8.dense[3], (LinearShape{4096, 1792}));
}

TEST(ShapeGrid, KvHeadsReplicateWhenTpExceedsThemAndImpossibleSplitsAreEmpty) {
  scenarios::ModelSpec m = model("llama-3.1-8b");
  m.kv_heads = 2;
  EXPECT_EQ(attention_heads(m, 8), (AttentionHeads{4, 1, 128}));
  m.kv_heads = 3;  // neither divides nor is divided by 8
  EXPECT_EQ(attention_heads(m, 8).heads, 0);
  EXPECT_TRUE(layer_linears(m, 8).dense.empty());
  // Qwen2.5 7B has 28 query heads: no 8-way split.
  EXPECT_TRUE(layer_linears(model("qwen2.5-7b"), 8).dense.empty());
  EXPECT_FALSE(layer_linears(model("qwen2.5-7b"), 4).dense.empty());
}

TEST(ShapeGrid, MValuesSpanOneTo16kWithNonPowersOfTwo) {
  const auto m = gemm_m_values(false);
  EXPECT_EQ(m.front(), 1);
  EXPECT_EQ(m.back(), 16384);
  EXPECT_TRUE(std::is_sorted(m.begin(), m.end()));
  EXPECT_TRUE(std::any_of(m.begin(), m.end(), [](int64_t v) { return (v & (v - 1)) != 0; }));
  EXPECT_LT(gemm_m_values(true).size(), m.size());
}

TEST(ShapeGrid, GemmGridHasNoDuplicatesAndGroupsMoeExperts) {
  std::vector<scenarios::ModelSpec> models;
  for (const auto& id : calibration_models(false)) models.push_back(model(id));
  const auto grid = gemm_grid(models, calibration_tensor_parallel(false), false);
  std::set<std::tuple<int64_t, int64_t, int64_t, int64_t>> seen;
  for (const auto& g : grid) EXPECT_TRUE(seen.insert({g.m, g.n, g.k, g.groups}).second) << g.m << " " << g.n << " " << g.k;
  // Mixtral 8x7B: 8 experts, ffn 14336 -> an expert's gate/up at TP 1 is 28672 x 4096.
  EXPECT_TRUE(std::any_of(grid.begin(), grid.end(), [](const GemmShape& g) { return g.groups == 8 && g.n == 28672 && g.k == 4096; }));
  // Llama 3.1 70B's down projection at TP 8: 8192 x (28672 / 8).
  EXPECT_TRUE(std::any_of(grid.begin(), grid.end(), [](const GemmShape& g) { return g.groups == 1 && g.n == 8192 && g.k == 3584; }));
  const auto quick = gemm_grid({model("llama-3.1-8b")}, calibration_tensor_parallel(true), true);
  EXPECT_LT(quick.size(), grid.size());
  EXPECT_EQ(quick.size(), 2 * 4 * gemm_m_values(true).size());  // 4 linears x 2 TP degrees, all distinct
}

TEST(ShapeGrid, AttentionGridsCoverBothHeadSizesAndRespectTheMemoryBudget) {
  const auto heads = attention_head_grid({model("llama-3.1-8b")}, {1, 8}, true);
  EXPECT_NE(std::find(heads.begin(), heads.end(), AttentionHeads{32, 8, 128}), heads.end());
  EXPECT_NE(std::find(heads.begin(), heads.end(), AttentionHeads{4, 1, 128}), heads.end());
  EXPECT_NE(std::find(heads.begin(), heads.end(), AttentionHeads{32, 8, 64}), heads.end());
  const auto all = decode_grid(heads, false, 1e30);
  // 1 GiB budget: batch 256 x 32768 tokens x 8 KV heads x 128 x 2 (K, V) x 2 bytes = 34 GB is out.
  const auto capped = decode_grid(heads, false, 1024.0 * 1024 * 1024);
  EXPECT_LT(capped.size(), all.size());
  for (const auto& c : capped) {
    const double kv = static_cast<double>(c.batch * c.context) * c.heads.kv_heads * c.heads.head_dim * 4;
    EXPECT_LE(kv, 1024.0 * 1024 * 1024 * 1.01);
    EXPECT_EQ(c.block_size, 16);
  }
  const auto prefill = prefill_grid(heads, false, 1e30);
  EXPECT_TRUE(std::any_of(prefill.begin(), prefill.end(), [](const PrefillCase& c) { return c.context_before > 0; }));
  EXPECT_TRUE(std::any_of(prefill.begin(), prefill.end(), [](const PrefillCase& c) { return c.new_tokens % 32 != 0; }));
}

TEST(ShapeGrid, SizesAreIncreasingPowersOfTwo) {
  for (bool quick : {false, true}) {
    for (const auto& sizes : {collective_sizes(quick), copy_sizes(quick)}) {
      ASSERT_FALSE(sizes.empty());
      for (size_t i = 0; i < sizes.size(); ++i) {
        const auto v = static_cast<int64_t>(sizes[i]);
        EXPECT_EQ(v & (v - 1), 0);
        if (i > 0) {
          EXPECT_GT(sizes[i], sizes[i - 1]);
        }
      }
    }
  }
  EXPECT_EQ(collective_sizes(false).back(), 1024.0 * 1024 * 1024);
}

TEST(ShapeGrid, LayerGridUsesCatalogueModelsForPrefillAndDecode) {
  for (bool quick : {false, true}) {
    const auto cases = layer_grid(quick);
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [](const LayerCase& c) { return c.prefill; }));
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [](const LayerCase& c) { return !c.prefill && c.context > 0; }));
    for (const auto& c : cases) {
      const auto* m = scenarios::Catalog::builtin().find_model(c.model);
      ASSERT_NE(m, nullptr) << c.model;
      EXPECT_EQ(m->experts, 0) << "the measured layer is dense";
    }
  }
}

}  // namespace
}  // namespace stratum::kernels
