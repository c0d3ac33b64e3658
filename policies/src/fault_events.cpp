#include "stratum/policies/fault_events.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace stratum::policies {
namespace {

using scenarios::ComponentKind;

constexpr double kInf = std::numeric_limits<double>::infinity();

// A stream of its own: seed_seq of the run's seed, a tag and an index.
std::mt19937_64 stream(uint64_t seed, uint32_t tag, uint32_t index) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), tag, index};
  return std::mt19937_64(seq);
}

// Uniform in [0, 1) from 53 bits, and an exponential by inversion: the same numbers on every
// standard library (std::exponential_distribution's algorithm is implementation-defined).
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
double exponential(std::mt19937_64& rng, double rate) { return -std::log1p(-uniform(rng)) / rate; }

// Replacement: attempts every `delay`, each succeeding with probability p (geometric count).
double replacement_time(std::mt19937_64& rng, double from, double delay, double p) {
  if (p <= 0) return kInf;
  double t = from + delay;
  // Bounded loop: p >= 1e-12 in practice; a p this small gives an unbounded wait anyway.
  for (int attempt = 0; attempt < 1000000; ++attempt) {
    if (p >= 1 || uniform(rng) < p) return t;
    t += delay;
  }
  return kInf;
}

constexpr uint32_t kTagSpot = 0x73706f74u;  // "spot"
constexpr uint32_t kTagFail = 0x6661696cu;  // "fail"

void spot_rate_events(const scenarios::SpotSpec& s, const FaultInputs& in, std::vector<FaultEvent>& out) {
  if (!(s.interruption_rate > 0)) return;
  for (int node = 0; node < in.nodes; ++node) {
    std::mt19937_64 rng = stream(in.seed, kTagSpot, static_cast<uint32_t>(node));
    double t = 0;
    while (true) {
      t += exponential(rng, s.interruption_rate);
      if (t >= in.horizon_s) break;
      FaultEvent e;
      e.kind = FaultKind::kSpotInterruption;
      e.time_s = t;
      e.notice_s = std::min(s.notice_s, t);
      e.nodes = {node};
      e.detected_s = t;
      e.back_s = replacement_time(rng, t, s.replacement_delay_s, s.replacement_probability);
      out.push_back(e);
      if (!std::isfinite(e.back_s)) break;
      t = e.back_s;  // a node that is away cannot be interrupted; its replacement can, from then
    }
  }
}

// Trace: capacity falls -> the highest-numbered nodes still up by the trace leave; capacity rises
// -> the lowest-numbered nodes away by the trace return.
void spot_trace_events(const scenarios::SpotSpec& s, const FaultInputs& in, std::vector<FaultEvent>& out) {
  if (s.availability.empty()) return;
  std::vector<int64_t> open(static_cast<size_t>(in.nodes), -1);  // event index of a node away by the trace
  int64_t up = in.nodes;
  const size_t first = out.size();
  for (const scenarios::AvailabilityPoint& p : s.availability) {
    const int64_t want = std::min<int64_t>(p.available_nodes, in.nodes);
    while (up > want) {
      int node = static_cast<int>(up) - 1;
      FaultEvent e;
      e.kind = FaultKind::kSpotInterruption;
      e.from_trace = true;
      e.time_s = p.time_s;
      e.notice_s = std::min(s.notice_s, p.time_s);
      e.nodes = {node};
      e.detected_s = p.time_s;
      open[static_cast<size_t>(node)] = static_cast<int64_t>(out.size());
      if (p.time_s < in.horizon_s) out.push_back(e);
      else open[static_cast<size_t>(node)] = -1;
      --up;
    }
    while (up < want) {
      const int64_t idx = open[static_cast<size_t>(up)];
      if (idx >= 0) out[static_cast<size_t>(idx)].back_s = p.time_s;
      open[static_cast<size_t>(up)] = -1;
      ++up;
    }
  }
  (void)first;
}

void failure_events(const scenarios::FailureSpec& f, const FaultInputs& in, std::vector<FaultEvent>& out) {
  const double gpus = static_cast<double>(in.nodes) * in.gpus_per_node;
  for (const scenarios::ComponentRate& c : f.components) {
    if (c.kind == ComponentKind::kSwitch && in.nodes_behind_switch.empty()) continue;
    const double rate = c.rate_per_gpu_s * f.scale * gpus;
    if (!(rate > 0)) continue;
    std::mt19937_64 rng = stream(in.seed, kTagFail, static_cast<uint32_t>(c.kind));
    double t = 0;
    while (true) {
      t += exponential(rng, rate);
      if (t >= in.horizon_s) break;
      FaultEvent e;
      e.kind = FaultKind::kFailure;
      e.component = c.kind;
      e.time_s = t;
      e.detected_s = t + f.detection_s;
      e.back_s = e.detected_s + f.recovery_s;
      // The victim, drawn right after the time so that each stream stays in time order.
      const double u = uniform(rng);
      switch (c.kind) {
        case ComponentKind::kGpu:
        case ComponentKind::kHbm:
          // A GPU (or its HBM) fails: its whole node leaves the job (Llama 3: the job restarts
          // without the host holding the faulty GPU).
          e.nodes = {std::min(in.nodes - 1, static_cast<int>(u * gpus) / in.gpus_per_node)};
          break;
        case ComponentKind::kNic:
        case ComponentKind::kHost:
          e.nodes = {std::min(in.nodes - 1, static_cast<int>(u * in.nodes))};
          break;
        case ComponentKind::kSwitch: {
          const size_t n = in.nodes_behind_switch.size();
          e.nodes = in.nodes_behind_switch[std::min(n - 1, static_cast<size_t>(u * static_cast<double>(n)))];
          break;
        }
        case ComponentKind::kSoftware: break;  // the job fails; no node is lost
      }
      out.push_back(std::move(e));
    }
  }
}

}  // namespace

const char* to_string(FaultKind kind) {
  return kind == FaultKind::kSpotInterruption ? "spot_interruption" : "failure";
}

std::vector<FaultEvent> generate_faults(const std::optional<scenarios::SpotSpec>& spot,
                                        const std::optional<scenarios::FailureSpec>& failures,
                                        const FaultInputs& in) {
  if (in.nodes <= 0 || in.gpus_per_node <= 0) throw std::invalid_argument("generate_faults: no nodes");
  std::vector<FaultEvent> out;
  if (spot) {
    spot_rate_events(*spot, in, out);
    spot_trace_events(*spot, in, out);
  }
  if (failures) failure_events(*failures, in, out);
  std::stable_sort(out.begin(), out.end(), [](const FaultEvent& a, const FaultEvent& b) {
    if (a.time_s != b.time_s) return a.time_s < b.time_s;
    if (a.kind != b.kind) return a.kind == FaultKind::kSpotInterruption;
    const int na = a.nodes.empty() ? -1 : a.nodes.front();
    const int nb = b.nodes.empty() ? -1 : b.nodes.front();
    return na < nb;
  });
  return out;
}

double fault_rate_per_s(const std::optional<scenarios::SpotSpec>& spot,
                        const std::optional<scenarios::FailureSpec>& failures, const FaultInputs& in) {
  double r = 0;
  if (spot) r += spot->interruption_rate * in.nodes;
  if (failures) {
    for (const scenarios::ComponentRate& c : failures->components) {
      if (c.kind == ComponentKind::kSwitch && in.nodes_behind_switch.empty()) continue;
      r += c.rate_per_gpu_s * failures->scale * in.nodes * in.gpus_per_node;
    }
  }
  return r;
}

}  // namespace stratum::policies
