#pragma once
// How a training layout's decoder layers are split over its pipeline stages and, under the
// interleaved schedule, over each stage's virtual chunks, including uneven splits that lighten the
// first and last stage (which also run the embedding, and the output layer with the loss).
// Megatron-Core's rules (megatron/core/transformer/transformer_block.py, get_num_layers_to_build):
// - even (the default): layers / (pp x v) in every chunk;
// - --decoder-first-pipeline-num-layers / --decoder-last-pipeline-num-layers (first_stage_layers,
//   last_stage_layers): those stages hold the given counts, the remaining layers must divide over
//   the remaining stages, and every stage's count must divide over its v chunks;
// - --account-for-embedding-in-pipeline-split / --account-for-loss-in-pipeline-split
//   (account_for_embedding, account_for_loss): the embedding (output layer with the loss) counts as
//   one layer of the split, so layers + 1 (+ 1) must divide over pp x v chunks, and the first chunk
//   of the first stage (the last chunk of the last stage) builds one decoder layer fewer. Megatron
//   accepts one mechanism or the other, not both.
// Llama 3 405B (Dubey et al. 2024, "The Llama 3 Herd of Models", arXiv 2407.21783, section 3.3.2):
// "we reduce one Transformer layer each from the first and the last stages ... the first model
// chunk on the first stage has only the embedding, and the last model chunk on the last stage has
// only output projection and loss calculation": 126 + 2 = 128 = pp 16 x v 8 chunks of one layer,
// the first and the last chunk with none.
#include <cstdint>
#include <string>
#include <vector>

#include "stratum/calibration/training_layout.hpp"

namespace stratum::calibration {

// Every problem with an uneven split of `layers` decoder layers under `layout` (its pp,
// virtual_stages and the four split options), each "what; expected what", starting with the option
// it concerns. Empty when the split is valid or even (validate_layout checks the even split).
std::vector<std::string> validate_stage_layers(const TrainingLayout& layout, int64_t layers);

// Decoder layers of every virtual stage, indexed chunk x pp + stage (PipelineTimes' order), for a
// split validate_stage_layers accepts; throws std::invalid_argument otherwise. They sum to `layers`.
std::vector<int64_t> chunk_layers(const TrainingLayout& layout, int64_t layers);

// Decoder layers held by pipeline stage `stage` (all its chunks), from chunk_layers' result.
int64_t stage_layers(const std::vector<int64_t>& chunks, int pp, int stage);

// True when the layout asks for anything but the even split.
bool uneven_stage_layers(const TrainingLayout& layout);

}  // namespace stratum::calibration
