#pragma once
// Expert load imbalance under expert parallelism: how much of a MoE layer's routed tokens the
// busiest expert-parallel rank receives, when expert popularity follows a Zipf law.
#include <cstdint>

namespace stratum::calibration {

// Share of all routed token-copies that the busiest of `ranks` expert-parallel ranks receives, in
// expectation over expert placements, when `experts` experts (divisible by `ranks`, each rank
// holding experts / ranks of them) have popularity p_i proportional to (i + 1)^-s, i = 0..experts-1
// (Zipf with exponent s = zipf_skew; s = 0 is uniform routing).
//
// Placement: which experts share a rank is taken as unrelated to their popularity (vLLM's default
// expert map puts experts [r E/e, (r+1) E/e) on rank r, and routing popularity is not ordered by
// expert id), so the expectation is over uniformly random equal-size partitions. It is computed
// deterministically: the mean, over kExpertPlacementSamples fixed placements drawn by a
// Fisher-Yates shuffle from a splitmix64 stream with a fixed seed (Steele et al., OOPSLA 2014), of
// max over ranks of the rank's popularity sum. s = 0 returns exactly 1 / ranks (balanced).
// The share is the large-batch limit: the multinomial spread of a small batch's tokens over the
// ranks is not added.
double busiest_rank_share(int64_t experts, int ranks, double zipf_skew);

inline constexpr int kExpertPlacementSamples = 256;

}  // namespace stratum::calibration
