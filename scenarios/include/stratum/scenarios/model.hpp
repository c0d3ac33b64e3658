#pragma once
// Model catalogue entries: every architecture field needed for FLOPs, bytes and KV size.
// Loaded from scenarios/catalog/models.pbtxt; every entry cites its model card or paper.
#include <cstdint>
#include <string>

namespace stratum::scenarios {

struct ModelSpec {
  std::string id;      // catalogue id, e.g. "llama-3.1-8b"
  std::string name;
  std::string source;  // model card / config.json / paper
  int64_t layers = 0;
  int64_t hidden = 0;            // d_model
  int64_t heads = 0;             // query heads
  int64_t kv_heads = 0;          // key/value heads (GQA); == heads for MHA
  int64_t head_dim = 0;
  int64_t ffn_hidden = 0;        // intermediate size of one (expert) MLP
  bool gated_mlp = true;         // SwiGLU: gate, up and down projections (3 matrices)
  int64_t vocab = 0;
  bool tied_embeddings = false;  // input embedding shared with the LM head
  int64_t experts = 0;           // 0 for dense models
  int64_t experts_per_token = 0; // top-k routing for MoE
  // DeepSeekMoE (Dai et al. 2024, arXiv 2401.06066; DeepSeek-V3 report arXiv 2412.19437 section
  // 2.1.2): experts every token passes through besides its top-k routed ones, each ffn_hidden wide
  // (n_shared_experts). 0 for Mixtral-style MoE and dense models.
  int64_t shared_experts = 0;
  // Leading layers whose MLP is dense instead of MoE (first_k_dense_replace), dense_ffn_hidden wide
  // (intermediate_size). 0: every layer of an MoE model is MoE.
  int64_t dense_layers = 0;
  int64_t dense_ffn_hidden = 0;
  // Multi-head latent attention (DeepSeek-V2 arXiv 2405.04434 section 2.1; V3 section 2.1.1). 0 for
  // standard multi-head / grouped-query attention. With MLA, head_dim is the per-head no-RoPE query
  // and key width and the value width (qk_nope_head_dim = v_head_dim = 128 for DeepSeek-V3), and
  // the cache holds kv_lora_rank + rope_head_dim elements per token and layer, shared by all heads.
  int64_t kv_lora_rank = 0;   // compressed KV latent width d_c
  int64_t q_lora_rank = 0;    // compressed query width d_c' (0: full-rank query projection)
  int64_t rope_head_dim = 0;  // decoupled RoPE key/query width d_h^R, one key shared by all heads
  bool mla() const { return kv_lora_rank > 0; }
  // Layers whose MLP is MoE.
  int64_t moe_layers() const { return experts > 0 ? layers - dense_layers : 0; }
  int64_t max_context = 0;       // tokens
  double params = 0;             // total parameters, as published (for cross-checks)
};

}  // namespace stratum::scenarios
