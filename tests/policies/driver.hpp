#pragma once
// A minimal engine loop for batcher tests: arrivals at their times, a fixed time per iteration,
// and checks of the invariants every batch must satisfy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "stratum/policies/batching.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::policies::testing {

struct Run {
  std::vector<Batch> batches;
  std::vector<IterationOutcome> outcomes;
  std::vector<double> batch_start_s;
  std::vector<uint64_t> first_token_order;
  std::vector<uint64_t> finish_order;
  std::map<uint64_t, int> first_tokens, finished, rejected, preempted;
  int64_t tokens_emitted = 0;
};

inline Run drive(Batcher& batcher, std::vector<SequenceRequest> arrivals, const scenarios::SchedulerSpec& spec,
                 double iteration_s = 0.01) {
  std::stable_sort(arrivals.begin(), arrivals.end(),
                   [](const SequenceRequest& a, const SequenceRequest& b) { return a.arrival_s < b.arrival_s; });
  Run run;
  double now = 0;
  size_t next = 0;
  for (int guard = 0; guard < 2'000'000; ++guard) {
    while (next < arrivals.size() && arrivals[next].arrival_s <= now) batcher.enqueue(arrivals[next++]);
    for (const Rejection& r : batcher.take_rejections()) {
      ++run.rejected[r.id];
      EXPECT_FALSE(r.reason.empty());
    }
    if (!batcher.has_work() && next == arrivals.size()) break;
    const Batch batch = batcher.next_batch(now);
    for (const Rejection& r : batcher.take_rejections()) ++run.rejected[r.id];
    if (batch.empty()) {
      double wake = next < arrivals.size() ? arrivals[next].arrival_s : 1e300;
      if (batcher.next_wakeup_s() > now) wake = std::min(wake, batcher.next_wakeup_s());
      if (wake >= 1e300) {
        if (batcher.has_work()) ADD_FAILURE() << "batcher holds work but schedules nothing";
        break;
      }
      now = wake;
      continue;
    }
    // Invariants of every batch.
    int64_t prefill = 0, decode = 0;
    std::set<uint64_t> ids;
    for (const BatchEntry& e : batch.entries) {
      EXPECT_TRUE(ids.insert(e.id).second) << "request " << e.id << " twice in one batch";
      EXPECT_GE(e.new_tokens, 1);
      EXPECT_GE(e.context_before, 0);
      if (e.prefill) {
        prefill += e.new_tokens;
      } else {
        EXPECT_EQ(e.new_tokens, 1);
        ++decode;
      }
    }
    EXPECT_EQ(prefill, batch.prefill_tokens);
    EXPECT_EQ(decode, batch.decode_tokens);
    EXPECT_LE(prefill + decode, spec.max_batched_tokens);
    const BatcherStats s = batcher.stats();
    EXPECT_LE(s.kv_blocks_used, s.kv_blocks_total);
    EXPECT_GE(s.kv_blocks_used, 0);
    run.batch_start_s.push_back(now);
    now += iteration_s;
    IterationOutcome out = batcher.complete(batch);
    for (uint64_t id : out.first_token) {
      ++run.first_tokens[id];
      run.first_token_order.push_back(id);
    }
    for (uint64_t id : out.finished) {
      ++run.finished[id];
      run.finish_order.push_back(id);
    }
    for (uint64_t id : out.preempted) ++run.preempted[id];
    run.tokens_emitted += out.tokens_emitted;
    run.batches.push_back(batch);
    run.outcomes.push_back(std::move(out));
  }
  for (const Rejection& r : batcher.take_rejections()) ++run.rejected[r.id];
  EXPECT_FALSE(batcher.has_work());
  return run;
}

}  // namespace stratum::policies::testing
