// Speculative decoding: the acceptance model of Leviathan et al. (ICML 2023) and the continuous
// batcher's multi-token decodes with their KV accounting.
#include "stratum/policies/speculative.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "stratum/policies/continuous_batcher.hpp"

namespace stratum::policies {
namespace {

TEST(SpeculativeAcceptance, ExpectationIsTheClosedFormOfEquationOne) {
  EXPECT_DOUBLE_EQ(expected_tokens_per_step(0.0, 4), 1.0);
  EXPECT_DOUBLE_EQ(expected_tokens_per_step(1.0, 4), 5.0);
  // (1 - 0.7^5) / 0.3 = 2.77310.
  EXPECT_NEAR(expected_tokens_per_step(0.7, 4), (1 - 0.16807) / 0.3, 1e-12);
  // Sum over j of P(tokens >= j) = sum of alpha^(j-1) for j = 1..k+1.
  EXPECT_NEAR(expected_tokens_per_step(0.5, 3), 1 + 0.5 + 0.25 + 0.125, 1e-12);
}

TEST(SpeculativeAcceptance, EmpiricalMeanMatchesEquationOne) {
  for (const auto& [alpha, k] : std::vector<std::pair<double, int>>{{0.7, 4}, {0.5, 2}, {0.9, 8}, {0.2, 1}}) {
    SpeculativeAcceptance a(alpha, 42);
    const int n = 200000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const auto t = static_cast<double>(a.draw(k));
      ASSERT_GE(t, 1);
      ASSERT_LE(t, k + 1);
      sum += t;
      sum2 += t * t;
    }
    const double mean = sum / n;
    const double se = std::sqrt((sum2 / n - mean * mean) / n);
    // Within 5 standard errors of eq. (1): fails for a wrong model, not by chance (p < 1e-6).
    EXPECT_NEAR(mean, expected_tokens_per_step(alpha, k), 5 * se) << alpha << " " << k;
  }
}

TEST(SpeculativeAcceptance, GeometricLeadingAcceptance) {
  // P(tokens = j) = alpha^(j-1) (1 - alpha) for j <= k, alpha^k for k + 1.
  SpeculativeAcceptance a(0.6, 7);
  std::map<int64_t, int> counts;
  const int n = 100000;
  for (int i = 0; i < n; ++i) ++counts[a.draw(3)];
  EXPECT_NEAR(counts[1] / double(n), 0.4, 0.01);
  EXPECT_NEAR(counts[2] / double(n), 0.24, 0.01);
  EXPECT_NEAR(counts[3] / double(n), 0.144, 0.01);
  EXPECT_NEAR(counts[4] / double(n), 0.216, 0.01);
  EXPECT_EQ(a.draw(0), 1);
  SpeculativeAcceptance none(0.0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(none.draw(5), 1);
}

TEST(SpeculativeAcceptance, SameSeedSameDraws) {
  SpeculativeAcceptance a(0.7, 3), b(0.7, 3);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.draw(4), b.draw(4));
  EXPECT_THROW(SpeculativeAcceptance(1.5, 1), std::invalid_argument);
}

scenarios::SchedulerSpec spec(int64_t max_tokens, bool chunked) {
  scenarios::SchedulerSpec s;
  s.max_num_seqs = 16;
  s.max_batched_tokens = max_tokens;
  s.chunked_prefill = chunked;
  s.block_size_tokens = 16;
  return s;
}

struct SpecRun {
  int64_t tokens = 0, steps = 0, drafts = 0, accepted = 0, iterations = 0;
  std::map<uint64_t, int> finished;
};

// Runs requests to completion, checking every batch: a decode verifies 1 + draft tokens, never
// proposes past the output, and holds KV blocks for every token it verifies.
SpecRun run_speculative(const std::vector<SequenceRequest>& reqs, int k, double alpha, int64_t max_tokens,
                        bool chunked, int64_t kv_blocks = 10000) {
  const auto s = spec(max_tokens, chunked);
  ContinuousBatcher b(s, kv_blocks, 1 << 20, SpeculationConfig{k, alpha, 9});
  std::map<uint64_t, int64_t> length;  // prompt + output
  for (const auto& r : reqs) {
    b.enqueue(r);
    length[r.id] = r.prompt_tokens + r.output_tokens;
  }
  SpecRun run;
  while (b.has_work()) {
    const Batch& batch = b.next_batch(0);
    EXPECT_FALSE(batch.empty());
    if (batch.empty()) break;
    int64_t tokens = 0, need = 0;
    for (const BatchEntry& e : batch.entries) {
      tokens += e.new_tokens;
      need += (e.context_before + e.new_tokens + 15) / 16;
      if (e.prefill) {
        EXPECT_EQ(e.draft_tokens, 0);
        continue;
      }
      EXPECT_EQ(e.new_tokens, 1 + e.draft_tokens);
      EXPECT_LE(e.draft_tokens, k);
      // A decoding sequence caches prompt + emitted - 1 tokens; verifying 1 + drafts must not
      // reach past its last output token: context + 1 + drafts <= prompt + output - 1.
      EXPECT_LE(e.context_before + e.new_tokens, length[e.id] - 1) << e.id;
    }
    EXPECT_LE(tokens, max_tokens);
    EXPECT_EQ(tokens, batch.prefill_tokens + batch.decode_tokens);
    // Blocks for every verified token are reserved while the iteration runs.
    EXPECT_GE(b.stats().kv_blocks_used, need);
    const IterationOutcome& out = b.complete(batch);
    ++run.iterations;
    run.tokens += out.tokens_emitted;
    run.steps += out.speculative_steps;
    run.drafts += out.draft_tokens;
    run.accepted += out.draft_tokens_accepted;
    for (uint64_t id : out.finished) ++run.finished[id];
  }
  EXPECT_EQ(b.stats().kv_blocks_used, 0);
  return run;
}

TEST(SpeculativeBatcher, EmitsExactlyTheOutputAndNeverMore) {
  for (bool chunked : {false, true}) {
    std::vector<SequenceRequest> reqs;
    int64_t total = 0;
    for (uint64_t id = 0; id < 12; ++id) {
      SequenceRequest r;
      r.id = id;
      r.prompt_tokens = 20 + 7 * static_cast<int64_t>(id);
      r.output_tokens = 1 + 13 * static_cast<int64_t>(id);
      total += r.output_tokens;
      reqs.push_back(r);
    }
    const SpecRun run = run_speculative(reqs, 4, 0.8, 512, chunked);
    EXPECT_EQ(run.tokens, total) << chunked;
    EXPECT_EQ(run.finished.size(), reqs.size());
    for (const auto& [id, n] : run.finished) EXPECT_EQ(n, 1) << id;
    EXPECT_GT(run.steps, 0);
  }
}

TEST(SpeculativeBatcher, TokensPerStepFollowTheAcceptanceModel) {
  // Long outputs so that almost every step proposes the full k; the mean emitted per speculative
  // step approaches eq. (1) (the last steps of each request propose fewer).
  std::vector<SequenceRequest> reqs;
  for (uint64_t id = 0; id < 8; ++id) {
    SequenceRequest r;
    r.id = id;
    r.prompt_tokens = 16;
    r.output_tokens = 4000;
    reqs.push_back(r);
  }
  const SpecRun run = run_speculative(reqs, 4, 0.7, 8192, false);
  const double per_step = 1.0 + static_cast<double>(run.accepted) / static_cast<double>(run.steps);
  EXPECT_NEAR(per_step, expected_tokens_per_step(0.7, 4), 0.05);
  EXPECT_LE(run.accepted, run.drafts);
}

TEST(SpeculativeBatcher, ZeroAcceptanceEmitsOneTokenPerStepFullAcceptanceKPlusOne) {
  SequenceRequest r;
  r.id = 1;
  r.prompt_tokens = 10;
  r.output_tokens = 51;  // 1 from the prefill, 50 from decodes
  const SpecRun none = run_speculative({r}, 4, 0.0, 512, false);
  EXPECT_EQ(none.tokens, 51);
  EXPECT_EQ(none.iterations, 1 + 50);
  EXPECT_EQ(none.accepted, 0);
  // alpha just below 1: a draw u in [0, 1) in steps of 2^-53 rejects only at u = 1 - 2^-53.
  const SpecRun all = run_speculative({r}, 4, std::nextafter(1.0, 0.0), 512, false);
  EXPECT_EQ(all.tokens, 51);
  EXPECT_EQ(all.iterations, 1 + 10);  // 50 tokens in steps of 5
}

TEST(SpeculativeBatcher, ReservesBlocksForTheVerifiedTokensAndPreemptsWhenShort) {
  // A cache of 12 blocks (192 tokens): two sequences that each grow to 150 tokens must take turns;
  // every token still comes out once.
  std::vector<SequenceRequest> reqs;
  for (uint64_t id = 0; id < 2; ++id) {
    SequenceRequest r;
    r.id = id;
    r.prompt_tokens = 30;
    r.output_tokens = 120;
    reqs.push_back(r);
  }
  const SpecRun run = run_speculative(reqs, 4, 0.7, 512, false, 12);
  EXPECT_EQ(run.tokens, 240);
  EXPECT_EQ(run.finished.size(), 2u);
}

}  // namespace
}  // namespace stratum::policies
