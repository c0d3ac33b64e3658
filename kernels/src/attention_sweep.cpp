#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "stratum/kernels/attention.hpp"
#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/reference.hpp"
#include "stratum/kernels/sweeps.hpp"

namespace stratum::kernels {
namespace {

using scenarios::Precision;

// Sampled query rows per attention check; each row recomputes its full softmax over up to 32k
// keys, so a few hundred keep the check under a second for the longest contexts.
constexpr int64_t kAttentionCheckSamples = 256;

std::string describe(const PrefillCase& c) {
  return "prefill batch=" + std::to_string(c.batch) + " tokens=" + std::to_string(c.new_tokens) +
         " context_before=" + std::to_string(c.context_before) + " heads=" + std::to_string(c.heads.heads) + "/" +
         std::to_string(c.heads.kv_heads) + " head_dim=" + std::to_string(c.heads.head_dim);
}
std::string describe(const DecodeCase& c) {
  return "decode batch=" + std::to_string(c.batch) + " context=" + std::to_string(c.context) + " heads=" +
         std::to_string(c.heads.heads) + "/" + std::to_string(c.heads.kv_heads) + " head_dim=" + std::to_string(c.heads.head_dim);
}

}  // namespace

void run_prefill_sweep(const std::vector<PrefillCase>& cases, SweepContext& ctx,
                       std::vector<scenarios::AttentionPrefillSample>& out) {
  EventTimer timer(ctx.timing);
  size_t done = 0;
  for (const auto& c : cases) {
    ctx.log->progress("attention prefill", ++done, cases.size());
    const int64_t d = c.heads.head_dim;
    const int64_t q_elems = c.batch * c.new_tokens * c.heads.heads * d;
    const int64_t kv_elems = c.batch * (c.context_before + c.new_tokens) * c.heads.kv_heads * d;
    DeviceBuffer q(static_cast<size_t>(q_elems) * 2), o(static_cast<size_t>(q_elems) * 2);
    DeviceBuffer k(static_cast<size_t>(kv_elems) * 2), v(static_cast<size_t>(kv_elems) * 2);
    fill_random(q.get(), q_elems, Precision::kBf16, 11 + done, 1.0f, ctx.stream);
    fill_random(k.get(), kv_elems, Precision::kBf16, 12 + done, 1.0f, ctx.stream);
    fill_random(v.get(), kv_elems, Precision::kBf16, 13 + done, 1.0f, ctx.stream);
    PrefillArgs a;
    a.q = q.get();
    a.k = k.get();
    a.v = v.get();
    a.o = o.get();
    a.q_stride = a.o_stride = c.heads.heads * d;
    a.k_stride = a.v_stride = c.heads.kv_heads * d;
    a.batch = static_cast<int>(c.batch);
    a.new_tokens = static_cast<int>(c.new_tokens);
    a.context_before = static_cast<int>(c.context_before);
    a.heads = static_cast<int>(c.heads.heads);
    a.kv_heads = static_cast<int>(c.heads.kv_heads);
    a.head_dim = static_cast<int>(d);
    launch_prefill_attention(a, ctx.stream);
    const CheckResult check = check_prefill(a, kAttentionCheckSamples, done, ctx.stream);
    if (!check.ok()) {
      ctx.log->failures.push_back(describe(c) + ": " + check.summary());
      continue;
    }
    scenarios::AttentionPrefillSample s;
    s.batch = c.batch;
    s.new_tokens = c.new_tokens;
    s.context_before = c.context_before;
    s.heads = c.heads.heads;
    s.kv_heads = c.heads.kv_heads;
    s.head_dim = d;
    s.dtype = Precision::kBf16;
    s.timing = timer.time(ctx.stream, [&] { launch_prefill_attention(a, ctx.stream); });
    out.push_back(s);
  }
}

void run_decode_sweep(const std::vector<DecodeCase>& cases, SweepContext& ctx,
                      std::vector<scenarios::AttentionDecodeSample>& out) {
  EventTimer timer(ctx.timing);
  size_t done = 0;
  std::mt19937_64 rng(20240);  // seeded: the same block placement on every run
  for (const auto& c : cases) {
    ctx.log->progress("attention decode", ++done, cases.size());
    const int64_t d = c.heads.head_dim;
    const int64_t blocks_per_seq = (c.context + c.block_size - 1) / c.block_size;
    const int64_t blocks = c.batch * blocks_per_seq;
    const int64_t row = c.heads.kv_heads * d;
    const int64_t contig_elems = c.batch * c.context * row;
    const int64_t cache_elems = blocks * c.block_size * row;
    const int64_t q_elems = c.batch * c.heads.heads * d;
    DeviceBuffer kc(static_cast<size_t>(contig_elems) * 2), vc(static_cast<size_t>(contig_elems) * 2);
    DeviceBuffer kp(static_cast<size_t>(cache_elems) * 2), vp(static_cast<size_t>(cache_elems) * 2);
    DeviceBuffer q(static_cast<size_t>(q_elems) * 2), o(static_cast<size_t>(q_elems) * 2);
    // Physical blocks in random order, as a long-running server's free list hands them out.
    std::vector<int32_t> table(static_cast<size_t>(blocks));
    std::iota(table.begin(), table.end(), 0);
    std::shuffle(table.begin(), table.end(), rng);
    const std::vector<int32_t> lens(static_cast<size_t>(c.batch), static_cast<int32_t>(c.context));
    DeviceBuffer table_d(table.size() * sizeof(int32_t)), lens_d(lens.size() * sizeof(int32_t));
    STRATUM_CUDA_CHECK(cudaMemcpyAsync(table_d.get(), table.data(), table_d.bytes(), cudaMemcpyHostToDevice, ctx.stream));
    STRATUM_CUDA_CHECK(cudaMemcpyAsync(lens_d.get(), lens.data(), lens_d.bytes(), cudaMemcpyHostToDevice, ctx.stream));
    fill_random(kc.get(), contig_elems, Precision::kBf16, 21 + done, 1.0f, ctx.stream);
    fill_random(vc.get(), contig_elems, Precision::kBf16, 22 + done, 1.0f, ctx.stream);
    fill_random(q.get(), q_elems, Precision::kBf16, 23 + done, 1.0f, ctx.stream);
    DecodeArgs a;
    a.q = q.get();
    a.k_cache = kp.get();
    a.v_cache = vp.get();
    a.block_table = table_d.as<int32_t>();
    a.context_lens = lens_d.as<int32_t>();
    a.o = o.get();
    a.q_stride = a.o_stride = c.heads.heads * d;
    a.batch = static_cast<int>(c.batch);
    a.heads = static_cast<int>(c.heads.heads);
    a.kv_heads = static_cast<int>(c.heads.kv_heads);
    a.head_dim = static_cast<int>(d);
    a.block_size = static_cast<int>(c.block_size);
    a.max_blocks_per_seq = static_cast<int>(blocks_per_seq);
    a.max_context = static_cast<int>(c.context);
    a.splits = decode_splits(a.batch, a.kv_heads, a.max_context, ctx.caps.sm_count);
    DeviceBuffer ws(decode_workspace_bytes(a.batch, a.heads, a.head_dim, a.splits));
    a.workspace = ws.as<float>();
    scatter_to_paged(kc.get(), vc.get(), kp.get(), vp.get(), a, ctx.stream);
    launch_paged_decode_attention(a, ctx.stream);
    const CheckResult check = check_decode(a, kc.get(), vc.get(), kAttentionCheckSamples, done, ctx.stream);
    if (!check.ok()) {
      ctx.log->failures.push_back(describe(c) + ": " + check.summary());
      continue;
    }
    scenarios::AttentionDecodeSample s;
    s.batch = c.batch;
    s.context = c.context;
    s.heads = c.heads.heads;
    s.kv_heads = c.heads.kv_heads;
    s.head_dim = d;
    s.block_size = c.block_size;
    s.dtype = Precision::kBf16;
    s.timing = timer.time(ctx.stream, [&] { launch_paged_decode_attention(a, ctx.stream); });
    out.push_back(s);
  }
}

}  // namespace stratum::kernels
