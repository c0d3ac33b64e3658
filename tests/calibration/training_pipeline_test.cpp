#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "stratum/calibration/pipeline_schedule.hpp"

namespace stratum::calibration {
namespace {

// Forward 1 s, backward 2 s per virtual stage (whole numbers: every sum is exact).
PipelineRun run(int p, int m, int v, PipelineSchedule s, double p2p = 0, double f = 1, double b = 2) {
  const PipelineShape shape{p, m, v, s};
  return run_pipeline(shape, uniform_times(shape, f, b, p2p));
}

TEST(PipelineSchedule, BubbleOfGpipeAnd1F1BIsExactlyPMinusOneOverM) {
  for (int p : {1, 2, 4, 8}) {
    for (int m : {1, 3, 8, 16, 64}) {
      for (auto s : {PipelineSchedule::kGpipe, PipelineSchedule::kOneFOneB}) {
        const PipelineRun r = run(p, m, 1, s);
        EXPECT_DOUBLE_EQ(r.bubble_fraction, double(p - 1) / m) << p << " " << m << " " << to_string(s);
        EXPECT_DOUBLE_EQ(r.makespan_s, 3.0 * (m + p - 1));
      }
    }
  }
}

TEST(PipelineSchedule, BubbleOfInterleaved1F1BIsExactlyPMinusOneOverMV) {
  for (int p : {2, 4, 8}) {
    for (int mult : {1, 2, 4}) {
      for (int v : {2, 3, 4}) {
        const int m = p * mult;
        // Chunk times are the stage's times over v (the stage's layers split into v chunks).
        const PipelineRun r = run(p, m, v, PipelineSchedule::kInterleaved, 0, 1.0 / v, 2.0 / v);
        EXPECT_NEAR(r.bubble_fraction, double(p - 1) / (double(m) * v), 1e-12) << p << " " << m << " " << v;
        // With whole-number chunk times the event computation is exact.
        const PipelineRun whole = run(p, m, v, PipelineSchedule::kInterleaved);
        EXPECT_DOUBLE_EQ(whole.bubble_fraction, double(p - 1) / (double(m) * v)) << p << " " << m << " " << v;
      }
    }
  }
}

TEST(PipelineSchedule, EveryOpRunsOnceAndAfterItsInputs) {
  const double p2p = 0.25;
  for (auto s : {PipelineSchedule::kGpipe, PipelineSchedule::kOneFOneB, PipelineSchedule::kInterleaved}) {
    const int p = 4, m = 8, v = s == PipelineSchedule::kInterleaved ? 2 : 1;
    const PipelineRun r = run(p, m, v, s, p2p);
    std::map<std::tuple<int, int, int, int>, TimedOp> end;  // (pass, stage, chunk, micro-batch)
    for (int i = 0; i < p; ++i) {
      ASSERT_EQ(r.stages[size_t(i)].size(), size_t(2 * m * v));
      double free = 0;
      for (const TimedOp& op : r.stages[size_t(i)]) {
        EXPECT_GE(op.start_s, free);  // one op at a time, in order
        free = op.end_s;
        const bool inserted =
            end.emplace(std::make_tuple(int(op.op.pass), i, op.op.chunk, op.op.micro_batch), op).second;
        EXPECT_TRUE(inserted);
      }
    }
    for (const auto& [key, op] : end) {
      const auto [pass, i, c, j] = key;
      if (pass == int(Pass::kForward)) {
        if (i > 0) {
          EXPECT_GE(op.start_s, end.at({pass, i - 1, c, j}).end_s + p2p);
        }
        if (i == 0 && c > 0) {
          EXPECT_GE(op.start_s, end.at({pass, p - 1, c - 1, j}).end_s + p2p);
        }
      } else {
        EXPECT_GE(op.start_s, end.at({int(Pass::kForward), i, c, j}).end_s);
        if (i < p - 1) {
          EXPECT_GE(op.start_s, end.at({pass, i + 1, c, j}).end_s + p2p);
        }
        if (i == p - 1 && c < v - 1) {
          EXPECT_GE(op.start_s, end.at({pass, 0, c + 1, j}).end_s + p2p);
        }
      }
    }
  }
}

TEST(PipelineSchedule, GpipeMakespanWithP2pIsTheCriticalPath) {
  // Forward wave (p - 1)(f + c) + m f, backward wave (p - 1)(b + c) + m b.
  const PipelineRun r = run(4, 8, 1, PipelineSchedule::kGpipe, 0.5);
  EXPECT_DOUBLE_EQ(r.makespan_s, 3.0 * (8 + 4 - 1) + 2.0 * 3 * 0.5);
}

TEST(PipelineSchedule, MicroBatchesInFlight) {
  const auto one = pipeline_order({4, 8, 1, PipelineSchedule::kOneFOneB});
  EXPECT_EQ(peak_in_flight(one), (std::vector<int>{4, 3, 2, 1}));  // stage i: p - i
  const auto few = pipeline_order({4, 2, 1, PipelineSchedule::kOneFOneB});
  EXPECT_EQ(peak_in_flight(few), (std::vector<int>{2, 2, 2, 1}));  // min(p - i, m)
  const auto gpipe = pipeline_order({4, 8, 1, PipelineSchedule::kGpipe});
  EXPECT_EQ(peak_in_flight(gpipe), (std::vector<int>{8, 8, 8, 8}));
  // Interleaved, stage i: (p - i - 1) x 2 + (v - 1) p + 1 chunks.
  const auto inter = pipeline_order({4, 8, 3, PipelineSchedule::kInterleaved});
  EXPECT_EQ(peak_in_flight(inter), (std::vector<int>{15, 13, 11, 9}));
  // 1F1B order of the last stage alternates from the start.
  EXPECT_EQ(one[3][0], (PipelineOp{Pass::kForward, 0, 0}));
  EXPECT_EQ(one[3][1], (PipelineOp{Pass::kBackward, 0, 0}));
  // Interleaved stage 0 starts with chunk 0 of micro-batches 0..p-1, then chunk 1 of them.
  EXPECT_EQ(inter[0][3], (PipelineOp{Pass::kForward, 3, 0}));
  EXPECT_EQ(inter[0][4], (PipelineOp{Pass::kForward, 0, 1}));
}

TEST(PipelineSchedule, UnevenStagesAndBadShapes) {
  // A slower last stage (the output layer) sets the pace: the bubble is measured against it.
  const PipelineShape shape{2, 4, 1, PipelineSchedule::kOneFOneB};
  PipelineTimes t = uniform_times(shape, 1, 2, 0);
  t.forward_s[1] = 2;
  t.backward_s[1] = 4;
  const PipelineRun r = run_pipeline(shape, t);
  EXPECT_DOUBLE_EQ(r.busy_s[1], 24.0);
  EXPECT_DOUBLE_EQ(r.makespan_s, 1.0 + 24.0 + 2.0);  // stage 0's first forward, stage 1, stage 0's last backward
  EXPECT_THROW(pipeline_order({4, 6, 2, PipelineSchedule::kInterleaved}), std::invalid_argument);
  EXPECT_THROW(pipeline_order({4, 8, 2, PipelineSchedule::kOneFOneB}), std::invalid_argument);
  EXPECT_THROW(run_pipeline(shape, PipelineTimes{}), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::calibration
