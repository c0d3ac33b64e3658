#pragma once
// Models and links for the training tests: the GPT models of Megatron-LM's SC'21 Table 1 and the
// Selene cluster they ran on.
#include <cstdint>
#include <span>

#include "fixtures.hpp"
#include "stratum/calibration/cost_model.hpp"
#include "stratum/calibration/training_layout.hpp"
#include "stratum/calibration/training_step.hpp"

namespace stratum::calibration::testing {

// Charges one second per GEMM FLOP and nothing else, so that a step (or a stage's busy time) is an
// exact FLOP count of the GEMMs the composition asked for.
class GemmFlopCounter final : public CostModel {
 public:
  Estimate gemm(int64_t m, int64_t n, int64_t k, scenarios::Precision, scenarios::Precision) const override {
    return {2.0 * double(m) * double(n) * double(k), Provenance::kMeasured};
  }
  Estimate attention_prefill(std::span<const PrefillChunk>, const AttentionShape&, scenarios::Precision) const override {
    return {};
  }
  Estimate attention_decode(std::span<const int64_t>, const AttentionShape&, scenarios::Precision) const override {
    return {};
  }
  Estimate elementwise(double) const override { return {}; }
  Estimate norm(int64_t, int64_t, scenarios::Precision) const override { return {}; }
  Estimate collective(CollectiveKind, double, int, double, double) const override { return {}; }
  Estimate copy(CopyKind, double) const override { return {}; }
};

// A GPT model as Narayanan et al. SC'21 count it: multi-head attention, a 4h GeLU MLP, input and
// output embeddings tied, vocabulary 51,200.
inline scenarios::ModelSpec gpt(const char* id, int64_t layers, int64_t hidden, int64_t heads) {
  scenarios::ModelSpec m = dense(id, layers, hidden, heads, heads, 4 * hidden, 51200, 0);
  m.gated_mlp = false;
  m.tied_embeddings = true;
  m.max_context = 2048;
  return m;
}

// One row of Narayanan et al. SC'21 Table 1 (as copied in REFERENCES.md).
struct Table1Row {
  double params_b;
  int64_t heads, hidden, layers;
  int tp, pp, gpus;
  int64_t batch;
  double tflops_per_gpu;  // published, achieved (eq. (3), recomputation counted)
};
inline constexpr Table1Row kTable1[] = {
    {1.7, 24, 2304, 24, 1, 1, 32, 512, 137},       {3.6, 32, 3072, 30, 2, 1, 64, 512, 138},
    {7.5, 32, 4096, 36, 4, 1, 128, 512, 142},      {18.4, 48, 6144, 40, 8, 1, 256, 1024, 135},
    {39.1, 64, 8192, 48, 8, 2, 512, 1536, 138},    {76.1, 80, 10240, 60, 8, 4, 1024, 1792, 140},
    {145.6, 96, 12288, 80, 8, 8, 1536, 2304, 148}, {310.1, 128, 16384, 96, 8, 16, 1920, 2160, 155},
    {529.6, 128, 20480, 105, 8, 35, 2520, 2520, 163}, {1008.0, 160, 25600, 128, 8, 64, 3072, 3072, 163},
};

inline scenarios::ModelSpec gpt(const Table1Row& r) { return gpt("gpt", r.layers, r.hidden, r.heads); }

// The row's layout: full recomputation and sequence 2,048 (SC'21 section 5.1), data parallelism
// over the rest of the GPUs. Micro-batch 1 and the non-interleaved 1F1B schedule are assumptions
// (the table does not list them).
inline TrainingLayout table1_layout(const Table1Row& r) {
  TrainingLayout l;
  l.tp = r.tp;
  l.pp = r.pp;
  l.dp = r.gpus / (r.tp * r.pp);
  l.global_batch = r.batch;
  l.micro_batch = 1;
  l.seq_len = 2048;
  l.recompute = Recompute::kFull;
  l.schedule = PipelineSchedule::kOneFOneB;
  return l;
}

// Selene (SC'21 section 5): DGX A100 nodes, NVLink/NVSwitch inside (300 GB/s per GPU per
// direction, A100 datasheet), one 200 Gb/s HDR InfiniBand adapter per GPU between nodes (25 GB/s).
// Per-step latencies: NCCL's own per-hop figures for the Simple protocol, NVLink 3.4 us, network
// 14 us (REFERENCES.md, "Collective latencies NCCL itself assumes").
inline TrainingLinks selene_links(const TrainingLayout& l) {
  const GroupLink nvlink{300e9, 3.4e-6, nullptr};
  const GroupLink ib{25e9, 14e-6, nullptr};
  TrainingLinks links;
  links.tp = nvlink;  // tp <= 8: inside a node
  links.cp = ib;
  links.ep = ib;
  links.pp = ib;
  // Megatron-LM orders ranks tp first, then dp, then pp (megatron/core/parallel_state.py, order
  // "tp-cp-ep-dp-pp"): a data-parallel ring stays inside one node only when tp x dp <= 8.
  links.dp = (l.tp * l.dp <= 8) ? nvlink : ib;
  return links;
}

}  // namespace stratum::calibration::testing
