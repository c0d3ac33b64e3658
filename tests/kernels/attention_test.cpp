#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <tuple>
#include <random>
#include <vector>

#include "gpu_skip.hpp"
#include "stratum/kernels/attention.hpp"
#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/reference.hpp"

namespace stratum::kernels {
namespace {

using scenarios::Precision;

struct Prefill {
  DeviceBuffer q, k, v, o;
  PrefillArgs a;
  Prefill(int batch, int tokens, int before, int heads, int kv_heads, int d) {
    const int64_t qe = int64_t{batch} * tokens * heads * d, ke = int64_t{batch} * (before + tokens) * kv_heads * d;
    q = DeviceBuffer(static_cast<size_t>(qe) * 2);
    o = DeviceBuffer(static_cast<size_t>(qe) * 2);
    k = DeviceBuffer(static_cast<size_t>(ke) * 2);
    v = DeviceBuffer(static_cast<size_t>(ke) * 2);
    fill_random(q.get(), qe, Precision::kBf16, 1, 1.0f, nullptr);
    fill_random(k.get(), ke, Precision::kBf16, 2, 1.0f, nullptr);
    fill_random(v.get(), ke, Precision::kBf16, 3, 1.0f, nullptr);
    a = {q.get(), k.get(), v.get(), o.get(), int64_t{heads} * d, int64_t{kv_heads} * d, int64_t{kv_heads} * d,
         int64_t{heads} * d, batch, tokens, before, heads, kv_heads, d};
  }
};

TEST(PrefillAttention, MatchesNaiveReference) {
  STRATUM_REQUIRE_GPU();
  for (int d : {64, 128}) {
    // Partial tiles (77 tokens), cached context before the chunk, GQA (4 query heads per KV head)
    // and MHA.
    for (const auto& [batch, tokens, before, heads, kv] :
         std::vector<std::tuple<int, int, int, int, int>>{{2, 77, 0, 8, 2}, {1, 130, 45, 4, 4}, {3, 1, 20, 8, 1}}) {
      Prefill p(batch, tokens, before, heads, kv, d);
      launch_prefill_attention(p.a, nullptr);
      const CheckResult c = check_prefill(p.a, 512, 9, nullptr);
      EXPECT_TRUE(c.ok()) << "d=" << d << " batch=" << batch << " tokens=" << tokens << " before=" << before << ": " << c.summary();
    }
  }
}

TEST(PrefillAttention, CheckCatchesAWrongResult) {
  STRATUM_REQUIRE_GPU();
  Prefill p(1, 64, 0, 4, 2, 128);
  launch_prefill_attention(p.a, nullptr);
  fill_random(p.o.get(), int64_t{64} * 4 * 128, Precision::kBf16, 77, 0.5f, nullptr);
  EXPECT_FALSE(check_prefill(p.a, 128, 9, nullptr).ok());
}

TEST(PrefillAttention, RejectsUnsupportedShapes) {
  PrefillArgs a;
  a.head_dim = 96;
  a.heads = 8;
  a.kv_heads = 2;
  EXPECT_THROW(launch_prefill_attention(a, nullptr), std::invalid_argument);
  a.head_dim = 128;
  a.kv_heads = 3;
  EXPECT_THROW(launch_prefill_attention(a, nullptr), std::invalid_argument);
}

// Paged decode over a shuffled block table; sequences of different lengths, with and without
// the context split.
void check_decode_case(int d, int splits, const std::vector<int32_t>& lens, int heads, int kv_heads) {
  const int batch = static_cast<int>(lens.size());
  const int max_context = *std::max_element(lens.begin(), lens.end());
  const int bs = 16, per_seq = (max_context + bs - 1) / bs;
  const int64_t row = int64_t{kv_heads} * d;
  const int64_t contig = int64_t{batch} * max_context * row, cache = int64_t{batch} * per_seq * bs * row;
  DeviceBuffer kc(static_cast<size_t>(contig) * 2), vc(static_cast<size_t>(contig) * 2);
  DeviceBuffer kp(static_cast<size_t>(cache) * 2), vp(static_cast<size_t>(cache) * 2);
  DeviceBuffer q(static_cast<size_t>(batch) * heads * d * 2), o(static_cast<size_t>(batch) * heads * d * 2);
  fill_random(kc.get(), contig, Precision::kBf16, 4, 1.0f, nullptr);
  fill_random(vc.get(), contig, Precision::kBf16, 5, 1.0f, nullptr);
  fill_random(q.get(), int64_t{batch} * heads * d, Precision::kBf16, 6, 1.0f, nullptr);
  std::vector<int32_t> table(static_cast<size_t>(batch) * per_seq);
  std::iota(table.begin(), table.end(), 0);
  std::mt19937 rng(3);
  std::shuffle(table.begin(), table.end(), rng);
  DeviceBuffer table_d(table.size() * 4), lens_d(lens.size() * 4);
  STRATUM_CUDA_CHECK(cudaMemcpy(table_d.get(), table.data(), table_d.bytes(), cudaMemcpyHostToDevice));
  STRATUM_CUDA_CHECK(cudaMemcpy(lens_d.get(), lens.data(), lens_d.bytes(), cudaMemcpyHostToDevice));
  DecodeArgs a;
  a.q = q.get();
  a.k_cache = kp.get();
  a.v_cache = vp.get();
  a.block_table = table_d.as<int32_t>();
  a.context_lens = lens_d.as<int32_t>();
  a.o = o.get();
  a.q_stride = a.o_stride = int64_t{heads} * d;
  a.batch = batch;
  a.heads = heads;
  a.kv_heads = kv_heads;
  a.head_dim = d;
  a.block_size = bs;
  a.max_blocks_per_seq = per_seq;
  a.max_context = max_context;
  a.splits = splits;
  DeviceBuffer ws(decode_workspace_bytes(batch, heads, d, splits));
  a.workspace = ws.as<float>();
  scatter_to_paged(kc.get(), vc.get(), kp.get(), vp.get(), a, nullptr);
  launch_paged_decode_attention(a, nullptr);
  const CheckResult c = check_decode(a, kc.get(), vc.get(), 256, 11, nullptr);
  EXPECT_TRUE(c.ok()) << "d=" << d << " splits=" << splits << " heads=" << heads << "/" << kv_heads << ": " << c.summary();
}

TEST(PagedDecodeAttention, MatchesNaiveReference) {
  STRATUM_REQUIRE_GPU();
  for (int d : {64, 128}) {
    for (int splits : {1, 4}) {
      check_decode_case(d, splits, {50, 1, 33, 1000}, 8, 2);
      check_decode_case(d, splits, {17, 300}, 7, 1);  // 7 query heads per KV head, like Qwen2.5 7B
      check_decode_case(d, splits, {64}, 4, 4);       // MHA
    }
  }
}

TEST(PagedDecodeAttention, SplitsFollowOccupancy) {
  // 132 SMs (H100 SXM5): batch 1 x 8 KV heads wants 2 x 132 / 8 = 33 partitions of a long
  // context, capped by 256 tokens per partition for short ones; a full batch needs none.
  EXPECT_EQ(decode_splits(1, 8, 32768, 132), 33);
  EXPECT_EQ(decode_splits(1, 8, 1024, 132), 4);
  EXPECT_EQ(decode_splits(64, 8, 32768, 132), 1);
  EXPECT_EQ(decode_splits(1, 8, 100, 132), 1);
  EXPECT_EQ(decode_workspace_bytes(2, 8, 128, 1), 0u);
  EXPECT_EQ(decode_workspace_bytes(2, 8, 128, 4), 2u * 8 * 4 * 130 * 4);
}

}  // namespace
}  // namespace stratum::kernels
