#pragma once
// Speculative decoding's acceptance model (Leviathan, Kalman and Matias, "Fast Inference from
// Transformers via Speculative Decoding", ICML 2023, section 3.1): a draft model proposes k
// tokens, the target model verifies them in one pass, and each draft token is accepted
// independently with probability alpha (the paper's i.i.d. assumption). The target keeps the
// leading accepted tokens and adds one of its own (the correction of the first rejected token,
// or a bonus token when all k are accepted), so one step emits 1 + (leading accepted) tokens.
// Pure and seeded: same seed, same draws (DESIGN.md section 2).
#include <cstdint>
#include <random>

namespace stratum::policies {

// Expected tokens per step with k draft tokens and acceptance alpha, the paper's equation (1):
// (1 - alpha^(k+1)) / (1 - alpha); k + 1 when alpha = 1.
double expected_tokens_per_step(double alpha, int64_t k);

class SpeculativeAcceptance {
 public:
  // alpha in [0, 1]; `seed` of this stream alone.
  SpeculativeAcceptance(double alpha, uint64_t seed);

  // Tokens one verification of `k` draft tokens emits: 1 + the number of leading draft tokens
  // accepted, each with probability alpha; from 1 to k + 1. k = 0 is a plain decode (1 token, no
  // draw).
  int64_t draw(int64_t k);

 private:
  double alpha_;
  std::mt19937_64 rng_;
};

}  // namespace stratum::policies
