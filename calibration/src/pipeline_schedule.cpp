#include "stratum/calibration/pipeline_schedule.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

namespace stratum::calibration {

namespace {

std::string s(int v) { return std::to_string(v); }

void check(const PipelineShape& sh) {
  if (sh.stages < 1 || sh.micro_batches < 1 || sh.virtual_stages < 1) {
    throw std::invalid_argument("pipeline needs stages, micro_batches and virtual_stages >= 1, got " + s(sh.stages) +
                                ", " + s(sh.micro_batches) + ", " + s(sh.virtual_stages));
  }
  if (sh.schedule == PipelineSchedule::kInterleaved) {
    if (sh.micro_batches % sh.stages != 0) {
      throw std::invalid_argument("interleaved schedule needs micro_batches (" + s(sh.micro_batches) +
                                  ") divisible by stages (" + s(sh.stages) + ")");
    }
  } else if (sh.virtual_stages != 1) {
    throw std::invalid_argument(std::string("virtual_stages ") + s(sh.virtual_stages) + " needs the interleaved schedule, not " +
                                to_string(sh.schedule));
  }
}

// Megatron-LM's mapping of the k-th chunk operation of a stage to (micro-batch, chunk).
PipelineOp interleaved_op(int k, Pass pass, int p, int v) {
  const int in_group = k % (p * v);
  int chunk = in_group / p;
  if (pass == Pass::kBackward) chunk = v - 1 - chunk;
  return {pass, (k / (p * v)) * p + k % p, chunk};
}

}  // namespace

std::vector<std::vector<PipelineOp>> pipeline_order(const PipelineShape& sh) {
  check(sh);
  const int p = sh.stages, m = sh.micro_batches, v = sh.virtual_stages;
  std::vector<std::vector<PipelineOp>> order(static_cast<size_t>(p));
  for (int i = 0; i < p; ++i) {
    auto& ops = order[static_cast<size_t>(i)];
    switch (sh.schedule) {
      case PipelineSchedule::kGpipe:
        for (int j = 0; j < m; ++j) ops.push_back({Pass::kForward, j, 0});
        for (int j = m - 1; j >= 0; --j) ops.push_back({Pass::kBackward, j, 0});
        break;
      case PipelineSchedule::kOneFOneB: {
        const int warmup = std::min(p - i - 1, m);
        for (int j = 0; j < warmup; ++j) ops.push_back({Pass::kForward, j, 0});
        for (int k = 0; k < m - warmup; ++k) {
          ops.push_back({Pass::kForward, warmup + k, 0});
          ops.push_back({Pass::kBackward, k, 0});
        }
        for (int j = m - warmup; j < m; ++j) ops.push_back({Pass::kBackward, j, 0});
        break;
      }
      case PipelineSchedule::kInterleaved: {
        const int total = m * v;
        const int warmup = m == p ? total : std::min((p - i - 1) * 2 + (v - 1) * p, total);
        for (int k = 0; k < warmup; ++k) ops.push_back(interleaved_op(k, Pass::kForward, p, v));
        for (int k = 0; k < total - warmup; ++k) {
          ops.push_back(interleaved_op(warmup + k, Pass::kForward, p, v));
          ops.push_back(interleaved_op(k, Pass::kBackward, p, v));
        }
        for (int k = total - warmup; k < total; ++k) ops.push_back(interleaved_op(k, Pass::kBackward, p, v));
        break;
      }
    }
  }
  return order;
}

std::vector<int> peak_in_flight(const std::vector<std::vector<PipelineOp>>& order) {
  std::vector<int> peak;
  peak.reserve(order.size());
  for (const auto& ops : order) {
    int alive = 0, most = 0;
    for (const PipelineOp& op : ops) {
      alive += op.pass == Pass::kForward ? 1 : -1;
      most = std::max(most, alive);
    }
    peak.push_back(most);
  }
  return peak;
}

PipelineTimes uniform_times(const PipelineShape& sh, double forward_s, double backward_s, double p2p_s) {
  const auto n = static_cast<size_t>(sh.stages) * static_cast<size_t>(sh.virtual_stages);
  return {std::vector<double>(n, forward_s), std::vector<double>(n, backward_s), p2p_s};
}

PipelineRun run_pipeline(const PipelineShape& sh, const PipelineTimes& times) {
  const auto order = pipeline_order(sh);
  const int p = sh.stages, m = sh.micro_batches, v = sh.virtual_stages;
  const auto n_virtual = static_cast<size_t>(p) * static_cast<size_t>(v);
  if (times.forward_s.size() != n_virtual || times.backward_s.size() != n_virtual) {
    throw std::invalid_argument("pipeline times need " + std::to_string(n_virtual) +
                                " forward and backward durations (stages x virtual_stages)");
  }
  // End time of every (pass, virtual stage, micro-batch); NaN-free "not yet" marker.
  constexpr double kPending = -1.0;
  const auto slot = [&](Pass pass, int stage, int chunk, int mb) {
    return ((static_cast<size_t>(pass == Pass::kBackward) * static_cast<size_t>(v) + static_cast<size_t>(chunk)) *
                static_cast<size_t>(p) + static_cast<size_t>(stage)) * static_cast<size_t>(m) + static_cast<size_t>(mb);
  };
  std::vector<double> done(2 * n_virtual * static_cast<size_t>(m), kPending);

  // When the input of `op` on `stage` is available, or kPending if its producer has not run.
  const auto ready = [&](int stage, const PipelineOp& op) -> double {
    const auto from = [&](Pass pass, int st, int ch, bool remote) {
      const double e = done[slot(pass, st, ch, op.micro_batch)];
      return e < 0 ? kPending : e + (remote ? times.p2p_s : 0.0);
    };
    if (op.pass == Pass::kForward) {
      if (stage > 0) return from(Pass::kForward, stage - 1, op.chunk, true);
      if (op.chunk > 0) return from(Pass::kForward, p - 1, op.chunk - 1, p > 1);
      return 0.0;
    }
    // Backward also needs this stage's own forward of the same chunk.
    const double own = from(Pass::kForward, stage, op.chunk, false);
    if (own < 0) return kPending;
    double upstream = 0;
    if (stage < p - 1) upstream = from(Pass::kBackward, stage + 1, op.chunk, true);
    else if (op.chunk < v - 1) upstream = from(Pass::kBackward, 0, op.chunk + 1, p > 1);
    if (upstream < 0) return kPending;
    return std::max(own, upstream);
  };

  PipelineRun run;
  run.stages.assign(static_cast<size_t>(p), {});
  run.busy_s.assign(static_cast<size_t>(p), 0.0);
  std::vector<size_t> next(static_cast<size_t>(p), 0);
  std::vector<double> free_at(static_cast<size_t>(p), 0.0);
  size_t remaining = 0;
  for (const auto& ops : order) remaining += ops.size();
  while (remaining > 0) {
    bool progressed = false;
    for (int i = 0; i < p; ++i) {
      const auto si = static_cast<size_t>(i);
      while (next[si] < order[si].size()) {
        const PipelineOp& op = order[si][next[si]];
        const double in = ready(i, op);
        if (in < 0) break;
        const size_t vs = static_cast<size_t>(op.chunk) * static_cast<size_t>(p) + si;
        const double dur = op.pass == Pass::kForward ? times.forward_s[vs] : times.backward_s[vs];
        const double start = std::max(free_at[si], in);
        const double end = start + dur;
        done[slot(op.pass, i, op.chunk, op.micro_batch)] = end;
        free_at[si] = end;
        run.busy_s[si] += dur;
        run.stages[si].push_back({op, start, end});
        run.makespan_s = std::max(run.makespan_s, end);
        ++next[si];
        --remaining;
        progressed = true;
      }
    }
    if (!progressed) throw std::logic_error("pipeline schedule deadlocks (a stage waits on an op never run)");
  }
  const double ideal = *std::max_element(run.busy_s.begin(), run.busy_s.end());
  run.bubble_fraction = ideal > 0 ? (run.makespan_s - ideal) / ideal : 0.0;
  return run;
}

}  // namespace stratum::calibration
