#pragma once
// Robust summary of repeated timings: median and 10th / 90th percentiles, so that one slow
// repetition (a clock change, a context switch) does not move the figure a profile records.
#include <span>
#include <vector>

#include "stratum/scenarios/profile.hpp"

namespace stratum::kernels {

// The p-th percentile (0 <= p <= 100) of `sorted` (ascending, non-empty) by
// calibration::quantile_sorted (Hyndman & Fan definition 7); throws std::invalid_argument for an
// empty sample or p outside [0, 100].
double percentile_sorted(std::span<const double> sorted, double p);

// Median, p10 and p90 of `samples_s` (seconds) and their count. Sorts `samples_s` in place (the
// caller's scratch buffer, so summarising allocates nothing). Throws std::invalid_argument when
// empty or when a sample is negative or not finite (a broken timer, never a real duration).
scenarios::Timing summarize_timings(std::vector<double>& samples_s);

}  // namespace stratum::kernels
