#include "stratum/kernels/transformer_layer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/kernels/attention.hpp"
#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/layer_ops.hpp"
#include "stratum/kernels/reference.hpp"

namespace stratum::kernels {
namespace {

using scenarios::Precision;

// Llama 3.1 config.json (meta-llama/Llama-3.1-8B and -70B on Hugging Face): rms_norm_eps 1e-5,
// rope_theta 500,000. Neither value changes the time a layer takes.
constexpr float kRmsEps = 1e-5f;
constexpr float kRopeTheta = 500000.0f;
constexpr int kBlockSize = 16;  // vLLM's default KV block (Kwon et al., SOSP 2023)

size_t bf16_bytes(int64_t elems) { return static_cast<size_t>(elems) * 2; }

// Uniform weights in [-s, s] with s = sqrt(3 / fan_in) have variance 1 / fan_in, so each output
// of a projection has about unit variance (LeCun et al. 1998, "Efficient BackProp", section 4.6).
void fill_weight(DeviceBuffer& w, int64_t rows, int64_t fan_in, uint64_t seed, cudaStream_t stream) {
  fill_random(w.get(), rows * fan_in, Precision::kBf16, seed, std::sqrt(3.0f / static_cast<float>(fan_in)), stream);
}

// Checked before any member allocates GPU memory, so a bad model fails the same way with or
// without a GPU.
const scenarios::ModelSpec& validated(const scenarios::ModelSpec& model, int64_t max_tokens, int64_t max_batch,
                                      int64_t max_context) {
  if (model.experts > 0) throw std::invalid_argument(model.id + ": the measured layer is dense; MoE layers are not built");
  if (model.head_dim != 64 && model.head_dim != 128) throw std::invalid_argument(model.id + ": head_dim must be 64 or 128");
  if (model.kv_heads < 1 || model.heads % model.kv_heads != 0 || model.heads / model.kv_heads > 8) {
    throw std::invalid_argument(model.id + ": heads must be a multiple of kv_heads, at most 8 per KV head");
  }
  if (!model.gated_mlp) throw std::invalid_argument(model.id + ": the measured layer has a gated (SwiGLU) MLP");
  if (max_tokens < 1 || max_batch < 1 || max_context < 1) throw std::invalid_argument("TransformerLayer: empty sizes");
  return model;
}

}  // namespace

TransformerLayer::TransformerLayer(const scenarios::ModelSpec& model, int64_t max_tokens, int64_t max_batch,
                                   int64_t max_context, cudaStream_t stream)
    : model_(validated(model, max_tokens, max_batch, max_context)), max_tokens_(max_tokens), max_batch_(max_batch), max_context_(max_context), stream_(stream) {
  const int64_t h = model.hidden, ffn = model.ffn_hidden;
  q_cols_ = model.heads * model.head_dim;
  kv_cols_ = model.kv_heads * model.head_dim;
  qkv_cols_ = q_cols_ + 2 * kv_cols_;

  w_qkv_ = DeviceBuffer(bf16_bytes(qkv_cols_ * h));
  w_o_ = DeviceBuffer(bf16_bytes(h * q_cols_));
  w_gate_up_ = DeviceBuffer(bf16_bytes(2 * ffn * h));
  w_down_ = DeviceBuffer(bf16_bytes(h * ffn));
  norm1_ = DeviceBuffer(bf16_bytes(h));
  norm2_ = DeviceBuffer(bf16_bytes(h));
  fill_weight(w_qkv_, qkv_cols_, h, 101, stream);
  fill_weight(w_o_, h, q_cols_, 102, stream);
  fill_weight(w_gate_up_, 2 * ffn, h, 103, stream);
  fill_weight(w_down_, h, ffn, 104, stream);
  fill_constant(norm1_.get(), h, Precision::kBf16, 1.0f, stream);
  fill_constant(norm2_.get(), h, Precision::kBf16, 1.0f, stream);

  x_ = DeviceBuffer(bf16_bytes(max_tokens * h));
  xn_ = DeviceBuffer(bf16_bytes(max_tokens * h));
  qkv_ = DeviceBuffer(bf16_bytes(max_tokens * qkv_cols_));
  attn_ = DeviceBuffer(bf16_bytes(max_tokens * q_cols_));
  proj_ = DeviceBuffer(bf16_bytes(max_tokens * h));
  gate_up_ = DeviceBuffer(bf16_bytes(max_tokens * 2 * ffn));
  act_ = DeviceBuffer(bf16_bytes(max_tokens * ffn));
  fill_random(x_.get(), max_tokens * h, Precision::kBf16, 105, 1.0f, stream);

  // Paged KV cache: room for max_context cached tokens plus the one a decode step appends.
  max_blocks_per_seq_ = static_cast<int>((max_context + 1 + kBlockSize - 1) / kBlockSize);
  const int64_t blocks = max_batch * max_blocks_per_seq_;
  k_cache_ = DeviceBuffer(bf16_bytes(blocks * kBlockSize * kv_cols_));
  v_cache_ = DeviceBuffer(bf16_bytes(blocks * kBlockSize * kv_cols_));
  fill_random(k_cache_.get(), blocks * kBlockSize * kv_cols_, Precision::kBf16, 106, 1.0f, stream);
  fill_random(v_cache_.get(), blocks * kBlockSize * kv_cols_, Precision::kBf16, 107, 1.0f, stream);
  std::vector<int32_t> table(static_cast<size_t>(blocks));
  std::iota(table.begin(), table.end(), 0);
  std::mt19937_64 rng(7);  // scattered physical blocks, as a serving system's free list gives them
  std::shuffle(table.begin(), table.end(), rng);
  block_table_ = DeviceBuffer(table.size() * sizeof(int32_t));
  STRATUM_CUDA_CHECK(cudaMemcpyAsync(block_table_.get(), table.data(), block_table_.bytes(), cudaMemcpyHostToDevice, stream));
  context_lens_ = DeviceBuffer(static_cast<size_t>(max_batch) * sizeof(int32_t));
  positions_ = DeviceBuffer(static_cast<size_t>(std::max(max_tokens, max_batch)) * sizeof(int32_t));
  int device = 0;
  STRATUM_CUDA_CHECK(cudaGetDevice(&device));
  STRATUM_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, device));
  STRATUM_CUDA_CHECK(cudaStreamSynchronize(stream));
}

void TransformerLayer::plan(int64_t rows) {
  if (rows == planned_rows_) return;
  const int64_t h = model_.hidden, ffn = model_.ffn_hidden;
  std::string why;
  const bool ok = qkv_gemm_.plan({rows, qkv_cols_, h, 1, Precision::kBf16}, &why) &&
                  o_gemm_.plan({rows, h, q_cols_, 1, Precision::kBf16}, &why) &&
                  gate_up_gemm_.plan({rows, 2 * ffn, h, 1, Precision::kBf16}, &why) &&
                  down_gemm_.plan({rows, h, ffn, 1, Precision::kBf16}, &why);
  if (!ok) throw std::runtime_error(model_.id + " layer: " + why);
  planned_rows_ = rows;
}

void TransformerLayer::prepare_prefill(int64_t batch, int64_t tokens) {
  if (batch < 1 || tokens < 1 || batch * tokens > max_tokens_) throw std::invalid_argument("prefill larger than the layer was built for");
  prefill_ = true;
  batch_ = batch;
  tokens_ = tokens;
  context_ = 0;
  rows_ = batch * tokens;
  plan(rows_);
  std::vector<int32_t> pos(static_cast<size_t>(rows_));
  for (size_t r = 0; r < pos.size(); ++r) pos[r] = static_cast<int32_t>(static_cast<int64_t>(r) % tokens);
  STRATUM_CUDA_CHECK(cudaMemcpyAsync(positions_.get(), pos.data(), pos.size() * sizeof(int32_t), cudaMemcpyHostToDevice, stream_));
  STRATUM_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void TransformerLayer::prepare_decode(int64_t batch, int64_t context) {
  if (batch < 1 || batch > max_batch_ || batch > max_tokens_ || context < 0 || context > max_context_) {
    throw std::invalid_argument("decode larger than the layer was built for");
  }
  prefill_ = false;
  batch_ = batch;
  tokens_ = 1;
  context_ = context;
  rows_ = batch;
  plan(rows_);
  // The new token sits at position `context` and attends to context + 1 tokens.
  const std::vector<int32_t> pos(static_cast<size_t>(batch), static_cast<int32_t>(context));
  const std::vector<int32_t> lens(static_cast<size_t>(batch), static_cast<int32_t>(context + 1));
  STRATUM_CUDA_CHECK(cudaMemcpyAsync(positions_.get(), pos.data(), pos.size() * sizeof(int32_t), cudaMemcpyHostToDevice, stream_));
  STRATUM_CUDA_CHECK(cudaMemcpyAsync(context_lens_.get(), lens.data(), lens.size() * sizeof(int32_t), cudaMemcpyHostToDevice, stream_));
  splits_ = decode_splits(static_cast<int>(batch), static_cast<int>(model_.kv_heads), static_cast<int>(context + 1), sm_count_);
  workspace_ = DeviceBuffer(decode_workspace_bytes(static_cast<int>(batch), static_cast<int>(model_.heads),
                                                   static_cast<int>(model_.head_dim), splits_));
  STRATUM_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void TransformerLayer::run() {
  if (rows_ == 0) throw std::logic_error("TransformerLayer::run before prepare_prefill / prepare_decode");
  const int64_t h = model_.hidden, ffn = model_.ffn_hidden, n = rows_;
  const auto heads = static_cast<int>(model_.heads), kv_heads = static_cast<int>(model_.kv_heads);
  const auto hd = static_cast<int>(model_.head_dim);
  auto* qkv = static_cast<char*>(qkv_.get());
  rms_norm(x_.get(), norm1_.get(), xn_.get(), n, h, kRmsEps, stream_);
  qkv_gemm_.run(xn_.get(), w_qkv_.get(), qkv_.get(), stream_);
  rotary_in_place(qkv_.get(), n, qkv_cols_, heads + kv_heads, hd, positions_.as<int32_t>(), kRopeTheta, stream_);
  if (prefill_) {
    PrefillArgs a;
    a.q = qkv;
    a.k = qkv + bf16_bytes(q_cols_);
    a.v = qkv + bf16_bytes(q_cols_ + kv_cols_);
    a.o = attn_.get();
    a.q_stride = a.k_stride = a.v_stride = qkv_cols_;
    a.o_stride = q_cols_;
    a.batch = static_cast<int>(batch_);
    a.new_tokens = static_cast<int>(tokens_);
    a.context_before = 0;
    a.heads = heads;
    a.kv_heads = kv_heads;
    a.head_dim = hd;
    launch_prefill_attention(a, stream_);
  } else {
    append_kv_paged(qkv, qkv_cols_, q_cols_, q_cols_ + kv_cols_, k_cache_.get(), v_cache_.get(), block_table_.as<int32_t>(),
                    max_blocks_per_seq_, positions_.as<int32_t>(), static_cast<int>(batch_), kv_heads, hd, kBlockSize, stream_);
    DecodeArgs a;
    a.q = qkv;
    a.q_stride = qkv_cols_;
    a.k_cache = k_cache_.get();
    a.v_cache = v_cache_.get();
    a.block_table = block_table_.as<int32_t>();
    a.context_lens = context_lens_.as<int32_t>();
    a.o = attn_.get();
    a.o_stride = q_cols_;
    a.batch = static_cast<int>(batch_);
    a.heads = heads;
    a.kv_heads = kv_heads;
    a.head_dim = hd;
    a.block_size = kBlockSize;
    a.max_blocks_per_seq = max_blocks_per_seq_;
    a.max_context = static_cast<int>(context_ + 1);
    a.splits = splits_;
    a.workspace = workspace_.as<float>();
    launch_paged_decode_attention(a, stream_);
  }
  o_gemm_.run(attn_.get(), w_o_.get(), proj_.get(), stream_);
  add_in_place(x_.get(), proj_.get(), n * h, stream_);
  rms_norm(x_.get(), norm2_.get(), xn_.get(), n, h, kRmsEps, stream_);
  gate_up_gemm_.run(xn_.get(), w_gate_up_.get(), gate_up_.get(), stream_);
  silu_mul(gate_up_.get(), act_.get(), n, ffn, stream_);
  down_gemm_.run(act_.get(), w_down_.get(), proj_.get(), stream_);
  add_in_place(x_.get(), proj_.get(), n * h, stream_);
}

bool TransformerLayer::output_finite() {
  const int64_t count = rows_ * model_.hidden;
  std::vector<uint16_t> bits(static_cast<size_t>(count));
  STRATUM_CUDA_CHECK(cudaMemcpyAsync(bits.data(), x_.get(), bits.size() * 2, cudaMemcpyDeviceToHost, stream_));
  STRATUM_CUDA_CHECK(cudaStreamSynchronize(stream_));
  // BF16 is NaN or infinite when its 8 exponent bits are all ones.
  for (uint16_t b : bits) {
    if ((b & 0x7f80u) == 0x7f80u) return false;
  }
  return true;
}

}  // namespace stratum::kernels
