#pragma once
// Optimal checkpoint intervals for a checkpoint that costs `delta` seconds of blocked work and
// faults that arrive with mean time between them `mtbf` seconds (exponential). Pure functions.
namespace stratum::policies {

// Young (CACM 1974): tau = sqrt(2 delta M), the first-order optimum of compute time between
// checkpoints.
double young_interval_s(double delta_s, double mtbf_s);

// Daly (FGCS 2006, eq. 37): tau = sqrt(2 delta M) (1 + sqrt(delta / 2M) / 3 + (delta / 2M) / 9)
// - delta when delta < 2M, else tau = M. Daly's worked case: M = 24 h, delta = 5 min gives about
// 117 min. Returns compute time between checkpoints (the checkpoint's own delta is added by the
// caller to get the period between checkpoint starts).
double daly_interval_s(double delta_s, double mtbf_s);

}  // namespace stratum::policies
