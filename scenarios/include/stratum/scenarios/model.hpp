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
  int64_t max_context = 0;       // tokens
  double params = 0;             // total parameters, as published (for cross-checks)
};

}  // namespace stratum::scenarios
