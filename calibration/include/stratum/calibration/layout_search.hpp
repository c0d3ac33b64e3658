#pragma once
// The layout space `stratum search` explores (issue 7): every combination of tensor, pipeline,
// context, data and expert parallelism, micro-batch, ZeRO stage, recomputation and pipeline
// schedule for one model, GPU count and global batch, kept only when validate_layout accepts it.
// Pure function of plain structs; the simulator prices each layout (sim/training_search.hpp).
#include <cstdint>
#include <vector>

#include "stratum/calibration/training_layout.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::calibration {

struct LayoutSpace {
  int64_t gpus = 1;            // all GPUs of the cluster; dp = gpus / (tp x pp x cp)
  int gpus_per_node = 8;       // tp is a power of two up to this (TP stays inside one node)
  int64_t global_batch = 1;    // sequences per optimizer step (fixed by the training recipe)
  int64_t seq_len = 2048;
  scenarios::Precision precision = scenarios::Precision::kBf16;
  // Largest context-parallel degree tried. 16: the largest CP degree published for a production
  // run, Llama 3 405B's long-context stage ("The Llama 3 Herd of Models", arXiv 2407.21783,
  // Table 4: TP 8, CP 16, PP 16). Assumption: larger degrees are not worth exploring.
  int max_cp = 16;
  // Every enumerated layout's rank order: the scenario's (training.layout.rank_order); the search
  // (sim/training_search.cpp) prices the other order too where it differs.
  scenarios::RankOrder rank_order = scenarios::RankOrder::kTpCpEpDpPp;
};

struct LayoutEnumeration {
  std::vector<TrainingLayout> layouts;  // valid layouts, in the enumeration order (deterministic)
  int64_t candidates = 0;               // combinations tried, valid or not
};

// Enumerates, in this nesting order (outermost first): tp in {1, 2, 4, ...} <= gpus_per_node;
// pp dividing gpus / tp and either the layer count or, for pp >= 2, the layer count + 2; cp in
// {1, 2, 4, ...} <= max_cp with 2 x cp dividing seq_len; dp = gpus / (tp x pp x cp) when whole; ep in
// {1, 2, 4, ...} dividing the expert count (1 for dense models); schedule 1F1B, then interleaved
// with 2, 4 and 8 virtual stages (pp >= 2); the pipeline split, even, then with the embedding and
// the loss counted as layers (Megatron-Core --account-for-embedding-in-pipeline-split and
// --account-for-loss-in-pipeline-split, stage_layers.hpp; Llama 3 405B's 126 + 2 over 16 x 8
// chunks), each only where pp divides what it splits; micro_batch in {1, 2, 4, 8}; sequence
// parallelism off, then on when tp > 1 (Korthikanti
// et al. 2022 section 4.2.2 pairs it with TP); ZeRO stage 0 to 3; recomputation none, selective,
// full. GPipe is left out: 1F1B has the same bubble with less activation memory (Narayanan et al.
// SC'21 section 2.2.1), so it is never the better choice. Keeps the combinations validate_layout
// accepts.
LayoutEnumeration enumerate_layouts(const scenarios::ModelSpec& model, const LayoutSpace& space);

}  // namespace stratum::calibration
