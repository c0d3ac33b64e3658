#pragma once
// A check shared by the workload tests (tests/sim/workload_test.cpp, rate_profile_test.cpp): the
// same scenario and seed give the same requests, another seed other ones.
#include <gtest/gtest.h>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/sim/workload.hpp"

namespace stratum::sim::testing {

// Builds `s`'s workload twice with its seed and once with seed 12 (which `s` must not have), and
// expects identical arrivals and lengths, then a different sixth arrival.
inline void expect_same_seed_same_requests(scenarios::Scenario s) {
  scenarios::Diagnostics diags;
  const auto a = build_workload(s, diags);
  const auto b = build_workload(s, diags);
  s.seed = 12;
  const auto c = build_workload(s, diags);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 5u);
  ASSERT_GT(c.size(), 5u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].arrival_s, b[i].arrival_s);
    EXPECT_EQ(a[i].input_tokens, b[i].input_tokens);
    EXPECT_EQ(a[i].output_tokens, b[i].output_tokens);
  }
  EXPECT_NE(a[5].arrival_s, c[5].arrival_s);
}

}  // namespace stratum::sim::testing
