#pragma once
// One real Llama-style decoder layer on one GPU, random BF16 weights, dimensions from the model
// catalogue, built from Stratum's profiled kernels: RMSNorm, QKV GEMM, rotary, attention (our
// prefill or paged decode kernel), O GEMM, residual, RMSNorm, gate/up GEMM, SiLU * up, down
// GEMM, residual. Its end-to-end time is the ground truth the simulator's op composition must
// predict. Dense models only (an MoE layer needs token routing, not measured here); no biases
// (Llama has none; Qwen2.5's QKV bias is a negligible element-wise add).
#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "stratum/kernels/cublaslt_gemm.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::kernels {

class TransformerLayer {
 public:
  // Allocates weights and activations for up to `max_tokens` tokens per call and a paged KV
  // cache for `max_batch` sequences of up to `max_context` tokens. Throws for MoE models and
  // head sizes the attention kernels do not support.
  TransformerLayer(const scenarios::ModelSpec& model, int64_t max_tokens, int64_t max_batch, int64_t max_context,
                   cudaStream_t stream);

  // Prepares a prefill of `batch` prompts of `tokens` tokens each (no cached context), or one
  // decode step for `batch` sequences with `context` tokens already cached: plans the GEMMs and
  // uploads positions, so that run() enqueues only kernels (what a timing loop wants).
  void prepare_prefill(int64_t batch, int64_t tokens);
  void prepare_decode(int64_t batch, int64_t context);
  // Enqueues the prepared layer on the stream.
  void run();
  // Rows (tokens) the prepared call processes.
  int64_t rows() const { return rows_; }

  // True when the residual stream holds no NaN or infinity after the runs so far.
  bool output_finite();

 private:
  void plan(int64_t rows);

  scenarios::ModelSpec model_;
  int64_t max_tokens_, max_batch_, max_context_;
  cudaStream_t stream_;
  int64_t qkv_cols_, q_cols_, kv_cols_;
  int64_t planned_rows_ = -1, rows_ = 0, batch_ = 0, tokens_ = 0, context_ = 0;
  bool prefill_ = true;
  CublasLtGemm qkv_gemm_, o_gemm_, gate_up_gemm_, down_gemm_;
  DeviceBuffer w_qkv_, w_o_, w_gate_up_, w_down_, norm1_, norm2_;
  DeviceBuffer x_, xn_, qkv_, attn_, proj_, gate_up_, act_;
  DeviceBuffer k_cache_, v_cache_, block_table_, context_lens_, positions_, workspace_;
  int max_blocks_per_seq_ = 0, splits_ = 1, sm_count_ = 0;
};

}  // namespace stratum::kernels
