#include "stratum/kernels/shape_grid.hpp"

#include <algorithm>

namespace stratum::kernels {
namespace {

template <class T>
void push_unique(std::vector<T>& v, const T& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

// KV heads on one rank: split when tp divides them, one replicated head per rank when tp is a
// multiple of them (vLLM QKVParallelLinear, num_kv_head_replicas), impossible otherwise.
int64_t kv_heads_per_rank(int64_t kv_heads, int tp) {
  if (kv_heads % tp == 0) return kv_heads / tp;
  if (tp % kv_heads == 0) return 1;
  return 0;
}

}  // namespace

AttentionHeads attention_heads(const scenarios::ModelSpec& model, int tp) {
  if (tp < 1 || model.heads % tp != 0 || model.kv_heads < 1) return {};
  const int64_t kv = kv_heads_per_rank(model.kv_heads, tp);
  if (kv == 0) return {};
  return {model.heads / tp, kv, model.head_dim};
}

LayerLinears layer_linears(const scenarios::ModelSpec& model, int tp) {
  const AttentionHeads h = attention_heads(model, tp);
  if (h.heads == 0 || model.ffn_hidden % tp != 0) return {};
  LayerLinears out;
  out.dense.push_back({(h.heads + 2 * h.kv_heads) * h.head_dim, model.hidden});  // QKV, column split
  out.dense.push_back({model.hidden, h.heads * h.head_dim});                      // O, row split
  const int64_t ffn = model.ffn_hidden / tp;
  // SwiGLU (Shazeer 2020, arXiv 2002.05202): gate and up fused into one [2 ffn, hidden] weight.
  auto& target = model.experts > 0 ? out.expert : out.dense;
  target.push_back({model.gated_mlp ? 2 * ffn : ffn, model.hidden});
  target.push_back({model.hidden, ffn});
  return out;
}

std::vector<std::string> calibration_models(bool quick) {
  // Two dense Llama sizes, a dense model with an odd head count (Qwen2.5 7B: 28 heads, 4 KV
  // heads) and an MoE model: together they span the catalogue's hidden sizes 3,584-8,192.
  if (quick) return {"llama-3.1-8b"};
  return {"llama-3.1-8b", "llama-3.1-70b", "qwen2.5-7b", "mixtral-8x7b"};
}

std::vector<int> calibration_tensor_parallel(bool quick) {
  if (quick) return {1, 8};
  return {1, 2, 4, 8};
}

std::vector<int64_t> gemm_m_values(bool quick) {
  if (quick) return {1, 16, 128, 1000, 4096};
  std::vector<int64_t> m;
  for (int64_t v = 1; v <= 16384; v *= 2) m.push_back(v);
  // Not powers of two: a decode batch of 3, a partial tile, a chunk of 1,000 tokens, and 3,000
  // and 12,000 between the larger tile steps.
  for (int64_t v : {3, 77, 1000, 3000, 12000}) m.push_back(v);
  std::sort(m.begin(), m.end());
  return m;
}

std::vector<int64_t> grouped_m_values(bool quick) {
  if (quick) return {16, 256};
  return {1, 4, 16, 64, 256, 1024, 4096};
}

std::vector<GemmShape> gemm_grid(const std::vector<scenarios::ModelSpec>& models, const std::vector<int>& tps,
                                 bool quick) {
  std::vector<LinearShape> dense, expert;
  std::vector<int64_t> expert_groups;
  for (const auto& model : models) {
    for (int tp : tps) {
      const LayerLinears l = layer_linears(model, tp);
      for (const auto& s : l.dense) push_unique(dense, s);
      for (const auto& s : l.expert) {
        // An expert shape is measured with the model's expert count as the group count.
        bool seen = false;
        for (size_t i = 0; i < expert.size(); ++i) seen = seen || (expert[i] == s && expert_groups[i] == model.experts);
        if (!seen) {
          expert.push_back(s);
          expert_groups.push_back(model.experts);
        }
      }
    }
  }
  std::vector<GemmShape> grid;
  for (const auto& s : dense) {
    for (int64_t m : gemm_m_values(quick)) grid.push_back({m, s.n, s.k, 1});
  }
  for (size_t i = 0; i < expert.size(); ++i) {
    for (int64_t m : grouped_m_values(quick)) grid.push_back({m, expert[i].n, expert[i].k, expert_groups[i]});
  }
  return grid;
}

std::vector<AttentionHeads> attention_head_grid(const std::vector<scenarios::ModelSpec>& models,
                                                const std::vector<int>& tps, bool /*quick*/) {
  std::vector<AttentionHeads> out;
  for (const auto& model : models) {
    for (int tp : tps) {
      const AttentionHeads h = attention_heads(model, tp);
      if (h.heads > 0) push_unique(out, h);
    }
  }
  // Llama 3.2 1B config.json (meta-llama/Llama-3.2-1B): 32 heads, 8 KV heads, hidden 2,048, so
  // head_dim 64; not in the catalogue, measured so that head_dim 64 has data.
  push_unique(out, AttentionHeads{32, 8, 64});
  return out;
}

namespace {
double prefill_bytes(const PrefillCase& c) {
  const double q_tokens = static_cast<double>(c.batch * c.new_tokens);
  const double kv_tokens = static_cast<double>(c.batch * (c.context_before + c.new_tokens));
  const double d = static_cast<double>(c.heads.head_dim) * 2.0;  // BF16
  return q_tokens * static_cast<double>(2 * c.heads.heads) * d + kv_tokens * static_cast<double>(2 * c.heads.kv_heads) * d;
}
double decode_bytes(const DecodeCase& c) {
  const double blocks = static_cast<double>((c.context + c.block_size - 1) / c.block_size);
  return static_cast<double>(c.batch) * blocks * static_cast<double>(c.block_size) *
         static_cast<double>(2 * c.heads.kv_heads * c.heads.head_dim) * 2.0;
}
}  // namespace

std::vector<PrefillCase> prefill_grid(const std::vector<AttentionHeads>& heads, bool quick, double max_bytes) {
  struct Shape {
    int64_t batch, tokens, context;
  };
  std::vector<Shape> shapes;
  if (quick) {
    shapes = {{1, 512, 0}, {1, 2048, 0}, {1, 8192, 0}, {1, 512, 4096}};
  } else {
    for (int64_t t : {128, 512, 1024, 2048, 4096, 8192, 16384}) shapes.push_back({1, t, 0});
    for (int64_t b : {4, 16}) {
      for (int64_t t : {512, 2048}) shapes.push_back({b, t, 0});
    }
    // Chunked prefill (Agrawal et al., OSDI 2024): a chunk after cached context.
    for (int64_t t : {512, 2048}) {
      for (int64_t c : {2048, 8192}) shapes.push_back({1, t, c});
    }
    shapes.push_back({1, 300, 0});  // not a multiple of any tile size
  }
  std::vector<PrefillCase> out;
  for (const auto& h : heads) {
    for (const auto& s : shapes) {
      PrefillCase c{s.batch, s.tokens, s.context, h};
      if (prefill_bytes(c) <= max_bytes) out.push_back(c);
    }
  }
  return out;
}

std::vector<DecodeCase> decode_grid(const std::vector<AttentionHeads>& heads, bool quick, double max_bytes) {
  const std::vector<int64_t> batches = quick ? std::vector<int64_t>{1, 16, 64} : std::vector<int64_t>{1, 4, 16, 64, 256};
  const std::vector<int64_t> contexts =
      quick ? std::vector<int64_t>{1024, 8192} : std::vector<int64_t>{128, 1000, 4096, 16384, 32768};
  std::vector<DecodeCase> out;
  for (const auto& h : heads) {
    for (int64_t b : batches) {
      for (int64_t ctx : contexts) {
        DecodeCase c{b, ctx, 16, h};
        if (decode_bytes(c) <= max_bytes) out.push_back(c);
      }
    }
  }
  return out;
}

std::vector<double> collective_sizes(bool quick) {
  std::vector<double> out;
  // 1 KiB to 1 GiB, the range nccl-tests' documentation sweeps (-b 8 -e 128M and beyond).
  const int step = quick ? 2 : 1;
  const int last = quick ? 26 : 30;
  for (int e = 10; e <= last; e += step) out.push_back(static_cast<double>(int64_t{1} << e));
  return out;
}

std::vector<double> copy_sizes(bool quick) {
  std::vector<double> out;
  const int step = quick ? 2 : 1;
  const int last = quick ? 26 : 30;
  for (int e = 12; e <= last; e += step) out.push_back(static_cast<double>(int64_t{1} << e));
  return out;
}

std::vector<LayerCase> layer_grid(bool quick) {
  std::vector<LayerCase> out;
  const std::vector<std::string> models =
      quick ? std::vector<std::string>{"llama-3.1-8b"} : std::vector<std::string>{"llama-3.1-8b", "llama-3.1-70b"};
  for (const auto& m : models) {
    const std::vector<int64_t> prompts = quick ? std::vector<int64_t>{512, 2048} : std::vector<int64_t>{128, 512, 2048, 8192};
    for (int64_t t : prompts) out.push_back({m, true, 1, t, 0});
    if (!quick) out.push_back({m, true, 4, 1024, 0});
    const std::vector<int64_t> batches = quick ? std::vector<int64_t>{1, 32} : std::vector<int64_t>{1, 8, 32, 128};
    const std::vector<int64_t> contexts = quick ? std::vector<int64_t>{2048} : std::vector<int64_t>{1024, 8192};
    for (int64_t b : batches) {
      for (int64_t c : contexts) out.push_back({m, false, b, 1, c});
    }
  }
  return out;
}

}  // namespace stratum::kernels
