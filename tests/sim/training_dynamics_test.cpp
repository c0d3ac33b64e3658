// Training under faults (sim/training_dynamics.hpp): closed-form cases, the simulated optimum
// checkpoint interval against Young/Daly, conservation of steps and time at ten times realistic
// fault rates, and determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "stratum/policies/checkpoint_interval.hpp"
#include "stratum/policies/fault_events.hpp"
#include "stratum/sim/training_dynamics.hpp"

namespace stratum::sim {
namespace {

using policies::FaultEvent;
using policies::FaultKind;
using scenarios::ComponentKind;

DynamicsInputs one_node(double step_s, int64_t steps) {
  DynamicsInputs in;
  in.target_steps = steps;
  in.nodes = 1;
  in.gpus_per_node = 1;
  in.gpus_per_replica = 1;
  in.dp_full = 1;
  in.step_time = [step_s](int) { return step_s; };
  return in;
}

FaultEvent software_failure(double t, double detect, double recover) {
  FaultEvent e;
  e.kind = FaultKind::kFailure;
  e.component = ComponentKind::kSoftware;
  e.time_s = t;
  e.detected_s = t + detect;
  e.back_s = t + detect + recover;
  return e;
}

// Wall time is the sum of its parts, and the job's intervals tile [0, wall).
void expect_time_conserved(const DynamicsResult& r) {
  EXPECT_NEAR(r.compute_s + r.lost_work_s + r.checkpoint_overhead_s + r.restore_s + r.down_s, r.wall_s,
              1e-6 * std::max(1.0, r.wall_s));
  double t = 0;
  for (const JobInterval& iv : r.intervals) {
    EXPECT_NEAR(iv.start_s, t, 1e-6 * std::max(1.0, t));
    EXPECT_GT(iv.end_s, iv.start_s);
    t = iv.end_s;
  }
  EXPECT_NEAR(t, r.wall_s, 1e-6 * std::max(1.0, t));
}

TEST(TrainingDynamics, NoFaultsNoCheckpointsIsStepsTimesStepTime) {
  const DynamicsResult r = simulate_training_dynamics(one_node(2.5, 1000), {});
  EXPECT_EQ(r.steps_completed, 1000);
  EXPECT_DOUBLE_EQ(r.wall_s, 2500);
  EXPECT_DOUBLE_EQ(r.effective_training_fraction(), 1);
  EXPECT_EQ(r.stop_reason, "steps done");
  ASSERT_EQ(r.segments.size(), 1u);  // one run of 1,000 steps, not 1,000 events
}

TEST(TrainingDynamics, SyncCheckpointsAddTheirWriteTime) {
  DynamicsInputs in = one_node(1, 1000);
  in.checkpointing = true;
  in.interval_s = 100;  // between checkpoint starts
  in.blocking_s = 10;
  const DynamicsResult r = simulate_training_dynamics(in, {});
  // 90 s of compute before the first (interval - write), then one starting every 100 s of wall
  // clock, each taking 10: at steps 90, 180, ..., 990; none after the last step.
  EXPECT_EQ(r.steps_completed, 1000);
  EXPECT_EQ(r.checkpoints, 11);
  EXPECT_DOUBLE_EQ(r.checkpoint_overhead_s, 110);
  EXPECT_DOUBLE_EQ(r.wall_s, 1110);
  expect_time_conserved(r);
}

TEST(TrainingDynamics, AFailureLosesTheWorkSinceTheLastCheckpoint) {
  DynamicsInputs in = one_node(1, 1000);
  in.checkpointing = true;
  in.interval_s = 110;
  in.blocking_s = 10;
  in.restore_s = 5;
  // Checkpoint at step 100 (t 100..110); failure at t 150.5: steps 100..139 (40 s) and half of
  // step 140 are lost; detection 20 s + recovery 30 s; restore 5 s; resume from step 100.
  const DynamicsResult r = simulate_training_dynamics(in, {software_failure(150.5, 20, 30)});
  EXPECT_EQ(r.failures, 1);
  EXPECT_EQ(r.restarts, 1);
  EXPECT_EQ(r.steps_lost, 41);
  EXPECT_DOUBLE_EQ(r.lost_work_s, 40.5);
  EXPECT_DOUBLE_EQ(r.down_s, 50);
  EXPECT_DOUBLE_EQ(r.restore_s, 5);
  EXPECT_EQ(r.steps_completed, 1000);
  expect_time_conserved(r);
  int64_t lost_rows = 0;
  for (const StepSegment& s : r.segments) {
    if (s.status == StepStatus::kLost) {
      lost_rows += s.count;
      EXPECT_EQ(s.reason, "failure:software");
      EXPECT_GE(s.first_step, 100);
    }
  }
  EXPECT_EQ(lost_rows, 41);
}

TEST(TrainingDynamics, NoticeLongEnoughSavesTheWork) {
  DynamicsInputs in = one_node(1, 500);
  in.checkpointing = true;
  in.interval_s = 1000;
  in.blocking_s = 20;
  FaultEvent e;
  e.kind = FaultKind::kSpotInterruption;
  e.time_s = 300;
  e.notice_s = 120;
  e.nodes = {0};
  e.detected_s = 300;
  e.back_s = 900;
  const DynamicsResult saved = simulate_training_dynamics(in, {e});
  // Notice at 180: step 180 is cut (0 s of it done), a 20 s emergency checkpoint keeps 180 steps.
  EXPECT_EQ(saved.interruptions, 1);
  EXPECT_DOUBLE_EQ(saved.lost_work_s, 0);
  EXPECT_EQ(saved.steps_completed, 500);
  EXPECT_DOUBLE_EQ(saved.wall_s, 900 + 320);
  expect_time_conserved(saved);
  e.notice_s = 10;  // too short: the work since the start is lost at 300
  const DynamicsResult lost = simulate_training_dynamics(in, {e});
  EXPECT_DOUBLE_EQ(lost.lost_work_s, 300);
  EXPECT_DOUBLE_EQ(lost.wall_s, 900 + 500);
  expect_time_conserved(lost);
}

TEST(TrainingDynamics, ElasticContinuesWithFewerReplicasAndGrowsBack) {
  DynamicsInputs in;
  in.target_steps = 2000;
  in.nodes = 4;
  in.gpus_per_node = 8;
  in.gpus_per_replica = 8;
  in.dp_full = 4;
  // Same global batch on fewer replicas: 4 / dp times longer; dp 3 does not divide the batch.
  in.step_time = [](int dp) { return dp == 3 ? 0.0 : 4.0 / dp; };
  in.elastic = true;
  in.checkpointing = true;
  in.interval_s = 100;
  in.blocking_s = 1;
  FaultEvent e;
  e.kind = FaultKind::kSpotInterruption;
  e.time_s = 250;
  e.nodes = {1};
  e.detected_s = 250;
  e.back_s = 1000;
  const DynamicsResult r = simulate_training_dynamics(in, {e});
  EXPECT_EQ(r.min_dp, 2);  // 3 nodes left, dp 3 invalid: dp 2
  EXPECT_EQ(r.resizes, 1);
  EXPECT_DOUBLE_EQ(r.down_s, 0);
  EXPECT_EQ(r.steps_completed, 2000);
  expect_time_conserved(r);
  in.elastic = false;
  const DynamicsResult waits = simulate_training_dynamics(in, {e});
  EXPECT_DOUBLE_EQ(waits.down_s, 750);
  EXPECT_EQ(waits.min_dp, 4);
}

TEST(TrainingDynamics, NoReplacementEndsTheRun) {
  DynamicsInputs in = one_node(1, 1000);
  FaultEvent e;
  e.kind = FaultKind::kSpotInterruption;
  e.time_s = 100;
  e.nodes = {0};
  const DynamicsResult r = simulate_training_dynamics(in, {e});
  EXPECT_EQ(r.stop_reason, "no capacity returns");
  EXPECT_EQ(r.steps_completed, 0);
  EXPECT_DOUBLE_EQ(r.lost_work_s, 100);
  expect_time_conserved(r);
}

// The closed form: faults at rate 1/M, a checkpoint costing delta; sweep the fixed interval and
// find the one that wastes least. It must be within 10 % of Daly's (eq. 37). Same fault events
// for every interval (common random numbers); 5,000 mean times between faults of simulated time.
TEST(TrainingDynamics, SimulatedOptimumIntervalMatchesDaly) {
  const double mtbf = 3600, delta = 60, step = 1;
  scenarios::FailureSpec f;
  f.detection_s = 0;
  f.recovery_s = 0;
  f.components = {{ComponentKind::kSoftware, 1.0 / mtbf}};
  policies::FaultInputs fin;
  fin.nodes = 1;
  fin.gpus_per_node = 1;
  fin.horizon_s = 5000 * mtbf;
  fin.seed = 42;
  const std::vector<FaultEvent> faults = policies::generate_faults(std::nullopt, f, fin);
  const double daly = policies::daly_interval_s(delta, mtbf);
  std::map<double, double> waste;  // compute time between checkpoints -> wasted fraction
  for (double factor = 0.3; factor <= 3.0 + 1e-9; factor += 0.1) {
    DynamicsInputs in = one_node(step, 1000000000);
    in.duration_s = fin.horizon_s;
    in.checkpointing = true;
    in.blocking_s = delta;
    in.interval_s = daly * factor + delta;  // period between checkpoint starts
    const DynamicsResult r = simulate_training_dynamics(in, faults);
    waste[daly * factor] = 1 - r.effective_training_fraction();
  }
  // The waste near a flat optimum is noisy point by point (each fault loses a uniform share of an
  // interval), so the optimum comes from the whole sweep: a least-squares fit of the first-order
  // shape waste = a / tau + b tau + c (Young 1974: delta / tau + tau / 2M), optimum sqrt(a / b).
  double m[3][3] = {}, v[3] = {};
  for (const auto& [tau, w] : waste) {
    const double x[3] = {1 / tau, tau, 1};
    for (int i = 0; i < 3; ++i) {
      v[i] += x[i] * w;
      for (int j = 0; j < 3; ++j) m[i][j] += x[i] * x[j];
    }
  }
  const auto det3 = [](const double (&q)[3][3]) {
    return q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
           q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  };
  double coef[3];
  for (int k = 0; k < 3; ++k) {
    double q[3][3];
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) q[i][j] = j == k ? v[i] : m[i][j];
    }
    coef[k] = det3(q) / det3(m);
  }
  ASSERT_GT(coef[0], 0);
  ASSERT_GT(coef[1], 0);
  const double simulated = std::sqrt(coef[0] / coef[1]);
  EXPECT_NEAR(simulated / daly, 1.0, 0.10) << "simulated optimum " << simulated << " s vs Daly " << daly << " s";
  // The waste at Daly's interval is the exact expectation for periodic checkpoints with
  // exponential faults and no restart cost, 1 - tau / (M (exp((tau + delta) / M) - 1)), within 5 %.
  const double exact = 1 - daly / (mtbf * (std::exp((daly + delta) / mtbf) - 1));
  EXPECT_NEAR(waste.lower_bound(daly * 0.999)->second, exact, 0.05 * exact);
}

// Ten times the published rates on a 64-node job: every execution of every step is completed or
// lost with a reason, completed steps are 0 .. n-1 exactly once, and time adds up.
DynamicsResult faulty_run(bool elastic, bool async, uint64_t seed, std::vector<FaultEvent>* out_faults = nullptr) {
  scenarios::SpotSpec spot;
  spot.interruption_rate = 10 * 0.2 / 730 / 3600;  // 10x AWS Spot Advisor's "> 20 % a month" edge
  spot.replacement_probability = 0.8;
  scenarios::FailureSpec f;
  f.scale = 10;
  for (int k = 0; k < scenarios::kComponentKindCount; ++k) {
    const auto c = static_cast<ComponentKind>(k);
    f.components.push_back({c, scenarios::llama3_failure_rate_per_gpu_s(c)});
  }
  policies::FaultInputs fin;
  fin.nodes = 64;
  fin.gpus_per_node = 8;
  fin.horizon_s = 7 * 86400;
  fin.seed = seed;
  fin.nodes_behind_switch.resize(8);
  for (int n = 0; n < 64; ++n) fin.nodes_behind_switch[static_cast<size_t>(n / 8)].push_back(n);
  std::vector<FaultEvent> faults = policies::generate_faults(spot, f, fin);
  DynamicsInputs in;
  in.target_steps = 100000;
  in.duration_s = fin.horizon_s;
  in.nodes = 64;
  in.gpus_per_node = 8;
  in.gpus_per_replica = 16;
  in.dp_full = 32;
  in.step_time = [](int dp) { return (32 % dp == 0) ? 6.0 * 32 / dp : 0.0; };
  in.elastic = elastic;
  in.checkpointing = true;
  in.interval_s = 1800;
  in.blocking_s = async ? 2 : 60;
  in.background_s = async ? 60 : 0;
  in.restore_s = 60;
  DynamicsResult r = simulate_training_dynamics(in, faults);
  if (out_faults != nullptr) *out_faults = std::move(faults);
  return r;
}

TEST(TrainingDynamics, ConservationAtTenTimesRealisticRates) {
  for (const bool elastic : {false, true}) {
    for (const bool async : {false, true}) {
      std::vector<FaultEvent> faults;
      const DynamicsResult r = faulty_run(elastic, async, 3, &faults);
      SCOPED_TRACE(std::string(elastic ? "elastic" : "fixed") + (async ? " async" : " sync"));
      EXPECT_GT(r.interruptions, 10);
      EXPECT_GT(r.failures, 5);
      EXPECT_GT(r.steps_lost, 0);
      std::map<int64_t, int> completed;
      int64_t executions = 0;
      for (const StepSegment& s : r.segments) {
        executions += s.count;
        EXPECT_GT(s.count, 0);
        if (s.status == StepStatus::kCompleted) {
          EXPECT_TRUE(s.reason.empty());
          for (int64_t i = 0; i < s.count; ++i) ++completed[s.first_step + i];
        } else {
          EXPECT_FALSE(s.reason.empty());
        }
      }
      EXPECT_EQ(executions, r.step_executions);
      EXPECT_EQ(r.steps_completed + r.steps_lost, r.step_executions);
      ASSERT_EQ(static_cast<int64_t>(completed.size()), r.steps_completed);
      if (!completed.empty()) {
        EXPECT_EQ(completed.begin()->first, 0);
        EXPECT_EQ(completed.rbegin()->first, r.steps_completed - 1);
      }
      for (const auto& [step, n] : completed) ASSERT_EQ(n, 1) << "step " << step;
      // Every fault that hit the job is counted once, and each led to a restart unless the run ended.
      EXPECT_GE(r.restarts + 1, r.interruptions + r.failures);
      EXPECT_LE(r.interruptions, r.cluster_interruptions);
      EXPECT_LE(r.failures, r.cluster_failures);
      expect_time_conserved(r);
      EXPECT_GT(r.effective_training_fraction(), 0.3);
    }
  }
}

TEST(TrainingDynamics, SameFaultsSameTimeline) {
  const DynamicsResult a = faulty_run(true, true, 9);
  const DynamicsResult b = faulty_run(true, true, 9);
  ASSERT_EQ(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < a.segments.size(); ++i) {
    EXPECT_EQ(a.segments[i].first_step, b.segments[i].first_step);
    EXPECT_EQ(a.segments[i].start_s, b.segments[i].start_s);
    EXPECT_EQ(a.segments[i].status, b.segments[i].status);
  }
  EXPECT_EQ(a.wall_s, b.wall_s);
  const DynamicsResult c = faulty_run(true, true, 10);
  EXPECT_NE(a.lost_work_s, c.lost_work_s);
}

}  // namespace
}  // namespace stratum::sim
