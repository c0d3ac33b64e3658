#include "stratum/sim/training_dynamics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace stratum::sim {
namespace {

using policies::FaultEvent;
using policies::FaultKind;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Which nodes are away when: per node, merged [down, back) intervals, and the up-count as a step
// function of time.
class Availability {
 public:
  Availability(int nodes, const std::vector<FaultEvent>& faults) : down_(static_cast<size_t>(nodes)) {
    for (const FaultEvent& e : faults) {
      for (int n : e.nodes) down_[static_cast<size_t>(n)].push_back({e.time_s, e.back_s});
    }
    std::vector<std::pair<double, int>> changes;
    for (auto& list : down_) {
      std::sort(list.begin(), list.end());
      std::vector<std::pair<double, double>> merged;
      for (const auto& iv : list) {
        if (!merged.empty() && iv.first <= merged.back().second) {
          merged.back().second = std::max(merged.back().second, iv.second);
        } else {
          merged.push_back(iv);
        }
      }
      list = std::move(merged);
      for (const auto& iv : list) {
        changes.push_back({iv.first, -1});
        if (std::isfinite(iv.second)) changes.push_back({iv.second, +1});
      }
    }
    std::sort(changes.begin(), changes.end());
    times_.push_back(0);
    up_.push_back(nodes);
    for (const auto& [time, delta] : changes) {
      if (time > times_.back()) {
        times_.push_back(time);
        up_.push_back(up_.back());
      }
      up_.back() += delta;
    }
  }

  bool node_up(int node, double t) const {
    const auto& list = down_[static_cast<size_t>(node)];
    auto it = std::upper_bound(list.begin(), list.end(), std::make_pair(t, kInf));
    if (it == list.begin()) return true;
    --it;
    return !(t >= it->first && t < it->second);
  }
  int up_count(double t) const { return up_[index(t)]; }
  // Earliest time >= x at which ok(up nodes) holds; infinity when never.
  template <typename Pred>
  double earliest(double x, Pred ok) const {
    for (size_t i = index(x); i < times_.size(); ++i) {
      if (ok(up_[i])) return std::max(x, times_[i]);
    }
    return kInf;
  }

 private:
  size_t index(double t) const {
    const auto it = std::upper_bound(times_.begin(), times_.end(), t);
    return static_cast<size_t>(std::max<std::ptrdiff_t>(0, (it - times_.begin()) - 1));
  }
  std::vector<std::vector<std::pair<double, double>>> down_;
  std::vector<double> times_;
  std::vector<int> up_;
};

std::string fault_reason(const FaultEvent& e) {
  if (e.kind == FaultKind::kSpotInterruption) return e.from_trace ? "spot_interruption:trace" : "spot_interruption";
  return std::string("failure:") + scenarios::to_string(e.component);
}

std::string node_list(const FaultEvent& e) {
  if (e.nodes.empty()) return "job";
  std::string s = "nodes " + std::to_string(e.nodes.front());
  if (e.nodes.size() > 1) s += ".." + std::to_string(e.nodes.back()) + " (" + std::to_string(e.nodes.size()) + ")";
  return s;
}

class Timeline {
 public:
  Timeline(const DynamicsInputs& in, const std::vector<FaultEvent>& faults)
      : in_(in), faults_(faults), avail_(in.nodes, faults), step_cache_(static_cast<size_t>(in.dp_full) + 1, -1) {
    emergency_cost_ = in.blocking_s + in.background_s;
    end_limit_ = in.duration_s > 0 ? in.duration_s : kInf;
    // Decision time: a spot interruption whose notice leaves room for an emergency checkpoint is
    // acted on at the notice; every other fault when it happens.
    order_.resize(faults.size());
    std::iota(order_.begin(), order_.end(), size_t{0});
    decide_.resize(faults.size());
    for (size_t i = 0; i < faults.size(); ++i) decide_[i] = faults[i].time_s - (can_save(faults[i]) ? faults[i].notice_s : 0);
    std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return decide_[a] < decide_[b]; });
    consumed_.assign(faults.size(), 0);
    used_.assign(static_cast<size_t>(in.nodes), 1);
  }

  DynamicsResult run() {
    if (in_.dp_full < 1 || in_.gpus_per_replica < 1 || !in_.step_time) {
      throw std::invalid_argument("simulate_training_dynamics: bad layout inputs");
    }
    if (in_.checkpointing && !(in_.interval_s > 0)) {
      throw std::invalid_argument("simulate_training_dynamics: checkpoint interval must be positive");
    }
    bool first = true;
    while (true) {
      if (down_) {
        if (!start(first)) break;
        first = false;
        continue;
      }
      if (next_ >= in_.target_steps) {
        stop("steps done");
        break;
      }
      if (t_ >= end_limit_) {
        stop("duration reached");
        break;
      }
      if (in_.checkpointing && t_ >= next_ckpt_ && next_ > last_ckpt_step_) {
        if (!checkpoint()) break;
        continue;
      }
      if (!run_steps()) break;
    }
    finish();
    return std::move(r_);
  }

 private:
  bool can_save(const FaultEvent& e) const {
    return e.kind == FaultKind::kSpotInterruption && in_.checkpointing && e.notice_s >= emergency_cost_;
  }

  double step_time(int dp) {
    double& v = step_cache_[static_cast<size_t>(dp)];
    if (v < 0) v = std::max(0.0, in_.step_time(dp));
    return v;
  }
  int best_dp(int up_nodes) {
    const int64_t gpus = int64_t{up_nodes} * in_.gpus_per_node;
    const int max_dp = static_cast<int>(std::min<int64_t>(in_.dp_full, gpus / in_.gpus_per_replica));
    if (!in_.elastic) return max_dp >= in_.dp_full && up_nodes >= in_.nodes ? in_.dp_full : 0;
    for (int dp = max_dp; dp >= 1; --dp) {
      if (step_time(dp) > 0) return dp;
    }
    return 0;
  }

  void add_interval(double a, double b, JobPhase phase, int64_t gpus) {
    if (!(b > a)) return;
    if (!r_.intervals.empty()) {
      JobInterval& last = r_.intervals.back();
      if (last.phase == phase && last.gpus == gpus && last.end_s == a) {
        last.end_s = b;
        return;
      }
    }
    r_.intervals.push_back({a, b, phase, gpus});
  }
  void add_segment(int64_t count, double cut, StepStatus status, const std::string& reason) {
    StepSegment s;
    s.first_step = next_;
    s.count = count;
    s.start_s = t_;
    s.step_time_s = step_time(dp_);
    s.cut_s = cut;
    s.dp = dp_;
    s.attempt = attempt_;
    s.status = status;
    s.reason = reason;
    const double end = s.end_s();
    add_interval(t_, end, JobPhase::kCompute, gpus());
    if (status == StepStatus::kCompleted && !r_.segments.empty()) {
      StepSegment& last = r_.segments.back();
      if (last.status == StepStatus::kCompleted && last.cut_s == 0 && last.dp == dp_ && last.attempt == attempt_ &&
          last.first_step + last.count == next_ && last.end_s() == t_) {
        last.count += count;
        return;
      }
    }
    r_.segments.push_back(std::move(s));
  }
  int64_t gpus() const { return int64_t{dp_} * in_.gpus_per_replica; }
  void event(double t, TimelineEventKind kind, std::string detail, bool hit = true) {
    r_.events.push_back({t, kind, std::move(detail), hit});
  }

  bool hits(const FaultEvent& e) const {
    if (e.nodes.empty()) return true;
    for (int n : e.nodes) {
      if (used_[static_cast<size_t>(n)]) return true;
    }
    return false;
  }

  // The next fault that hits the running job at or after t_: its index and the time it acts.
  struct Hit {
    size_t index = 0;
    double at = kInf;
    bool save = false;  // emergency checkpoint in the notice
  };
  Hit next_hit() {
    Hit best;
    for (size_t k = cursor_; k < order_.size(); ++k) {
      const size_t i = order_[k];
      if (decide_[i] >= best.at) break;
      if (consumed_[i]) continue;
      const FaultEvent& e = faults_[i];
      if (e.time_s < t_) {  // it happened while the job was down or elsewhere
        consumed_[i] = 1;
        continue;
      }
      if (!hits(e)) continue;
      double at = std::max(decide_[i], t_);
      bool save = can_save(e) && e.time_s - at >= emergency_cost_;
      if (!save) at = e.time_s;
      if (at < best.at) best = {i, at, save};
    }
    while (cursor_ < order_.size() && consumed_[order_[cursor_]]) ++cursor_;
    return best;
  }

  void resolve_pending(double t) {
    if (pending_ && pending_end_ <= t) {
      durable_ = pending_step_;
      has_ckpt_ = true;
      pending_ = false;
      event(pending_end_, TimelineEventKind::kCheckpointDurable, "step " + std::to_string(durable_));
    }
  }

  // The job stops at h.at because of fault h.index.
  void fault(const Hit& h) {
    const FaultEvent& e = faults_[h.index];
    consumed_[h.index] = 1;
    resolve_pending(h.at);
    const bool spot = e.kind == FaultKind::kSpotInterruption;
    if (spot) {
      ++r_.interruptions;
    } else {
      ++r_.failures;
      ++r_.failures_by_component[static_cast<int>(e.component)];
    }
    event(h.at, spot ? TimelineEventKind::kInterruption : TimelineEventKind::kFailure,
          fault_reason(e) + " " + node_list(e) + (h.save ? " (checkpoint in the notice)" : ""));
    const std::string reason = fault_reason(e);
    double stopped = h.at;
    if (h.save) {
      // Emergency checkpoint in the notice: every completed step is kept.
      add_interval(h.at, h.at + emergency_cost_, JobPhase::kCheckpoint, gpus());
      r_.checkpoint_overhead_s += emergency_cost_;
      ++r_.checkpoints;
      durable_ = next_;
      has_ckpt_ = true;
      pending_ = false;
      last_ckpt_step_ = next_;
      event(h.at + emergency_cost_, TimelineEventKind::kCheckpointDurable, "step " + std::to_string(durable_));
      stopped = h.at + emergency_cost_;
    } else {
      for (auto it = r_.segments.rbegin(); it != r_.segments.rend(); ++it) {
        if (it->status != StepStatus::kCompleted) continue;
        if (it->first_step < durable_) break;
        it->status = StepStatus::kLost;
        it->reason = reason;
      }
      next_ = durable_;
      last_ckpt_step_ = std::min(last_ckpt_step_, durable_);
      pending_ = false;
    }
    down_ = true;
    down_since_ = stopped;
    // Nodes taken by a failure are away from time_s to back_s (Availability); the job itself can
    // restart once the failure is detected (elastic, without them) or once recovery ends. A
    // software failure takes no node: the job restarts after detection and recovery.
    if (spot) {
      wake_ = std::max(stopped, e.time_s);
    } else {
      wake_ = std::max(stopped, e.nodes.empty() ? e.back_s : e.detected_s);
    }
    ++attempt_;
  }

  void choose_nodes(int up_nodes_needed_dp) {
    dp_ = up_nodes_needed_dp;
    std::fill(used_.begin(), used_.end(), 0);
    const int64_t need = (gpus() + in_.gpus_per_node - 1) / in_.gpus_per_node;
    int64_t taken = 0;
    for (int n = 0; n < in_.nodes && taken < need; ++n) {
      if (avail_.node_up(n, t_)) {
        used_[static_cast<size_t>(n)] = 1;
        ++taken;
      }
    }
  }

  // Down -> running: wait for capacity, take the nodes, read the checkpoint back.
  bool start(bool first) {
    const double at = avail_.earliest(wake_, [&](int up) { return best_dp(up) > 0; });
    if (!(at < end_limit_)) {
      const double end = std::isfinite(end_limit_) ? end_limit_ : down_since_;
      add_interval(down_since_, end, JobPhase::kDown, 0);
      r_.down_s += end - down_since_;
      t_ = end;
      stop(std::isfinite(end_limit_) ? "duration reached" : "no capacity returns");
      return false;
    }
    add_interval(down_since_, at, JobPhase::kDown, 0);
    r_.down_s += at - down_since_;
    t_ = at;
    choose_nodes(best_dp(avail_.up_count(at)));
    r_.min_dp = r_.min_dp == 0 ? dp_ : std::min(r_.min_dp, dp_);
    down_ = false;
    if (!first) {
      ++r_.restarts;
      event(t_, TimelineEventKind::kRestart,
            "dp " + std::to_string(dp_) + " from step " + std::to_string(next_));
    }
    return restore();
  }

  // Reads the latest checkpoint back (after a restart or a resize); false when the run ended.
  bool restore() {
    if (has_ckpt_ && in_.restore_s > 0) {
      const Hit h = next_hit();
      const double end = t_ + in_.restore_s;
      const double cut = std::min(h.at, end_limit_);
      if (cut < end) {
        add_interval(t_, cut, JobPhase::kRestore, gpus());
        r_.restore_s += cut - t_;
        t_ = cut;
        if (h.at <= end_limit_) {
          fault(h);
          return true;
        }
        stop("duration reached");
        return false;
      }
      add_interval(t_, end, JobPhase::kRestore, gpus());
      r_.restore_s += in_.restore_s;
      t_ = end;
    }
    // The timer counts compute since the last checkpoint: interval - blocking, as between two
    // checkpoint starts (Daly's tau is compute time between checkpoints).
    next_ckpt_ = t_ + std::max(0.0, in_.interval_s - in_.blocking_s);
    return true;
  }

  // Blocks for [t_, until) in `phase`; false (and the fault handled or the run stopped) when a
  // fault or the end comes first.
  bool block(double until, bool& stopped) {
    stopped = false;
    const Hit h = next_hit();
    const double cut = std::min(h.at, end_limit_);
    if (cut < until) {
      add_interval(t_, cut, JobPhase::kCheckpoint, gpus());
      r_.checkpoint_overhead_s += cut - t_;
      t_ = cut;
      if (h.at <= end_limit_) {
        fault(h);
      } else {
        stop("duration reached");
        stopped = true;
      }
      return false;
    }
    add_interval(t_, until, JobPhase::kCheckpoint, gpus());
    r_.checkpoint_overhead_s += until - t_;
    t_ = until;
    return true;
  }

  // A checkpoint at a step boundary; false when the run ended.
  bool checkpoint() {
    const double start = t_;
    bool stopped = false;
    if (pending_ && pending_end_ > t_) {
      // The previous asynchronous write is still going: wait for it (PyTorch DCP async_save
      // callers wait on the previous save's future before the next).
      if (!block(pending_end_, stopped)) return !stopped;
    }
    resolve_pending(t_);
    event(t_, TimelineEventKind::kCheckpoint, "step " + std::to_string(next_) + (in_.background_s > 0 ? " async" : ""));
    if (!block(t_ + in_.blocking_s, stopped)) return !stopped;
    ++r_.checkpoints;
    last_ckpt_step_ = next_;
    if (in_.background_s > 0) {
      pending_ = true;
      pending_step_ = next_;
      pending_end_ = t_ + in_.background_s;
    } else {
      durable_ = next_;
      has_ckpt_ = true;
      event(t_, TimelineEventKind::kCheckpointDurable, "step " + std::to_string(durable_));
    }
    next_ckpt_ = std::max(start + in_.interval_s, t_);
    // Elastic growth: once the state is durable, restart on the nodes that came back.
    if (in_.elastic && dp_ < in_.dp_full) {
      const int better = best_dp(avail_.up_count(t_));
      if (better > dp_) {
        if (pending_ && !block(pending_end_, stopped)) return !stopped;
        resolve_pending(t_);
        ++r_.resizes;
        event(t_, TimelineEventKind::kResize, "dp " + std::to_string(dp_) + " -> " + std::to_string(better));
        choose_nodes(better);
        ++attempt_;
        return restore();
      }
    }
    return true;
  }

  // Runs steps up to the next checkpoint, fault, target or end; false when the run ended.
  bool run_steps() {
    const double st = step_time(dp_);
    if (!(st > 0)) throw std::logic_error("simulate_training_dynamics: no step time for the chosen dp");
    int64_t n = in_.target_steps - next_;
    if (in_.checkpointing) {
      const double to_ckpt = next_ckpt_ - t_;
      const int64_t k = to_ckpt <= 0 ? 1 : std::max<int64_t>(1, static_cast<int64_t>(std::ceil(to_ckpt / st - 1e-9)));
      n = std::min(n, k);
    }
    const Hit h = next_hit();
    const double limit = std::min(h.at, end_limit_);
    const double full = t_ + static_cast<double>(n) * st;
    if (full <= limit) {
      add_segment(n, 0, StepStatus::kCompleted, "");
      t_ = full;
      next_ += n;
      resolve_pending(t_);
      return true;
    }
    const int64_t k = std::clamp<int64_t>(static_cast<int64_t>(std::floor((limit - t_) / st)), 0, n - 1);
    if (k > 0) {
      add_segment(k, 0, StepStatus::kCompleted, "");
      t_ += static_cast<double>(k) * st;
      next_ += k;
    }
    resolve_pending(std::min(t_, limit));
    const double cut = limit - t_;
    if (h.at <= end_limit_) {
      // The step in progress, unless the fault came exactly at a step boundary.
      if (cut > 0) add_segment(1, cut, StepStatus::kLost, fault_reason(faults_[h.index]));
      t_ = h.at;
      fault(h);
      return true;
    }
    if (cut > 0) add_segment(1, cut, StepStatus::kUnfinished, "run ended");
    t_ = end_limit_;
    stop("duration reached");
    return false;
  }

  void stop(const std::string& reason) {
    r_.stop_reason = reason;
    event(t_, TimelineEventKind::kStop, reason);
  }

  void finish() {
    r_.wall_s = t_;
    for (const StepSegment& s : r_.segments) {
      r_.step_executions += s.count;
      if (s.status == StepStatus::kCompleted) {
        r_.steps_completed += s.count;
        r_.compute_s += s.busy_s();
      } else {
        r_.steps_lost += s.count;
        r_.lost_work_s += s.busy_s();
      }
    }
    for (const FaultEvent& e : faults_) {
      if (e.time_s >= r_.wall_s) continue;
      if (e.kind == FaultKind::kSpotInterruption) ++r_.cluster_interruptions;
      else ++r_.cluster_failures;
    }
    // Faults that hit nodes the job was not using, for trace.json (they hit nothing of the job).
  }

  const DynamicsInputs& in_;
  const std::vector<FaultEvent>& faults_;
  Availability avail_;
  std::vector<double> step_cache_;
  std::vector<size_t> order_;
  std::vector<double> decide_;
  std::vector<char> consumed_;
  std::vector<char> used_;
  size_t cursor_ = 0;
  double emergency_cost_ = 0;
  double end_limit_ = kInf;

  DynamicsResult r_;
  double t_ = 0;
  bool down_ = true;
  double down_since_ = 0;
  double wake_ = 0;
  int dp_ = 0;
  int attempt_ = 0;
  int64_t next_ = 0;
  int64_t durable_ = 0;
  bool has_ckpt_ = false;
  int64_t last_ckpt_step_ = 0;
  double next_ckpt_ = kInf;
  bool pending_ = false;
  int64_t pending_step_ = 0;
  double pending_end_ = 0;
};

}  // namespace

double StepSegment::end_s() const {
  return cut_s > 0 ? start_s + static_cast<double>(count - 1) * step_time_s + cut_s
                   : start_s + static_cast<double>(count) * step_time_s;
}
double StepSegment::busy_s() const { return end_s() - start_s; }

const char* to_string(StepStatus status) {
  switch (status) {
    case StepStatus::kCompleted: return "completed";
    case StepStatus::kLost: return "lost";
    case StepStatus::kUnfinished: return "unfinished";
  }
  return "?";
}

const char* to_string(JobPhase phase) {
  switch (phase) {
    case JobPhase::kCompute: return "compute";
    case JobPhase::kCheckpoint: return "checkpoint";
    case JobPhase::kRestore: return "restore";
    case JobPhase::kDown: return "down";
  }
  return "?";
}

const char* to_string(TimelineEventKind kind) {
  switch (kind) {
    case TimelineEventKind::kInterruption: return "interruption";
    case TimelineEventKind::kFailure: return "failure";
    case TimelineEventKind::kCheckpoint: return "checkpoint";
    case TimelineEventKind::kCheckpointDurable: return "checkpoint_durable";
    case TimelineEventKind::kRestart: return "restart";
    case TimelineEventKind::kResize: return "resize";
    case TimelineEventKind::kStop: return "stop";
  }
  return "?";
}

DynamicsResult simulate_training_dynamics(const DynamicsInputs& in, const std::vector<policies::FaultEvent>& faults) {
  return Timeline(in, faults).run();
}

}  // namespace stratum::sim
