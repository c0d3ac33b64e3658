#include "stratum/sim/workload.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "stratum/scenarios/trace.hpp"
#include "stratum/sim/priority_classes.hpp"
#include "stratum/sim/rate_profile.hpp"

namespace stratum::sim {
namespace {

using scenarios::LengthDistribution;
using scenarios::LengthKind;
using scenarios::WorkloadKind;
using scenarios::WorkloadSpec;

int64_t draw_length(const LengthDistribution& d, std::mt19937_64& rng) {
  switch (d.kind) {
    case LengthKind::kFixed:
    case LengthKind::kFromTrace:
      return std::max<int64_t>(1, d.value);
    case LengthKind::kUniform:
      return std::uniform_int_distribution<int64_t>(d.min, d.max)(rng);
    case LengthKind::kLognormal: {
      // Parameters of the underlying normal from the tokens' own mean m and stddev s:
      // sigma^2 = ln(1 + s^2/m^2), mu = ln m - sigma^2/2 (moments of the log-normal distribution).
      const double sigma2 = std::log1p((d.stddev * d.stddev) / (d.mean * d.mean));
      const double mu = std::log(d.mean) - sigma2 / 2;
      auto tokens = static_cast<int64_t>(std::llround(std::lognormal_distribution<double>(mu, std::sqrt(sigma2))(rng)));
      if (d.min > 0) tokens = std::max(tokens, d.min);
      if (d.max > 0) tokens = std::min(tokens, d.max);
      return std::max<int64_t>(1, tokens);
    }
  }
  return 1;
}

bool within_limits(const WorkloadSpec& spec, size_t count, double arrival) {
  if (spec.max_requests > 0 && static_cast<int64_t>(count) >= spec.max_requests) return false;
  if (spec.duration_s > 0 && arrival >= spec.duration_s) return false;
  return true;
}

// Period of trace.repeat: the trace's span plus one mean gap, so that the last request of a copy
// and the first of the next are as far apart as an average pair.
double repeat_period(const std::vector<scenarios::TraceRequest>& trace, double time_scale) {
  if (trace.empty()) return 0;
  const double first = trace.front().arrival_s, last = trace.back().arrival_s;
  const double gap = trace.size() > 1 ? (last - first) / static_cast<double>(trace.size() - 1) : 1.0;
  return (last - first + gap) / time_scale;
}

std::vector<RequestRecord> replay_trace(const WorkloadSpec& spec, scenarios::Diagnostics& diags,
                                       RequestPrefixes* prefixes) {
  std::vector<RequestRecord> out;
  const std::vector<scenarios::TraceRequest> trace = scenarios::read_trace(spec.trace_path, spec.trace_format, diags);
  if (!diags.ok()) return out;
  const size_t planned = trace.size() * static_cast<size_t>(spec.repeat);
  out.reserve(spec.max_requests > 0 ? std::min(planned, static_cast<size_t>(spec.max_requests)) : planned);
  bool any_prefix = false;
  if (prefixes != nullptr) {
    *prefixes = {};
    prefixes->offsets.reserve(out.capacity() + 1);
    prefixes->offsets.push_back(0);
  }
  const double period = repeat_period(trace, spec.time_scale);
  for (int64_t copy = 0; copy < spec.repeat; ++copy) {
    const double shift = static_cast<double>(copy) * period;
    for (const auto& t : trace) {
      const double arrival = t.arrival_s / spec.time_scale + shift;
      if (!within_limits(spec, out.size(), arrival)) {
        if (prefixes != nullptr && !any_prefix) *prefixes = {};
        return out;
      }
      RequestRecord r;
      r.id = out.size();
      r.arrival_s = arrival;
      r.input_tokens = std::max<int64_t>(1, t.input_tokens);
      r.output_tokens = std::max<int64_t>(1, t.output_tokens);
      out.push_back(r);
      if (prefixes != nullptr) {
        prefixes->ids.insert(prefixes->ids.end(), t.hash_ids.begin(), t.hash_ids.end());
        prefixes->offsets.push_back(prefixes->ids.size());
        any_prefix = any_prefix || !t.hash_ids.empty();
      }
    }
  }
  if (prefixes != nullptr && !any_prefix) *prefixes = {};
  return out;
}

// The next synthetic request, arriving at t: its id, then its prompt and output lengths drawn
// from the run's generator (always in this order, so that a run is reproducible).
void add_request(const WorkloadSpec& spec, double t, std::mt19937_64& rng, std::vector<RequestRecord>& out) {
  RequestRecord r;
  r.id = out.size();
  r.arrival_s = t;
  r.input_tokens = draw_length(spec.input, rng);
  r.output_tokens = draw_length(spec.output, rng);
  out.push_back(r);
}

std::vector<RequestRecord> synthesize(const WorkloadSpec& spec, uint64_t seed) {
  std::vector<RequestRecord> out;
  std::mt19937_64 rng(seed);
  // Gamma inter-arrivals with mean 1/rate and coefficient of variation cv: shape 1/cv^2,
  // scale cv^2/rate (cv = 1 is the Poisson process).
  const double shape = 1.0 / (spec.cv * spec.cv);
  std::gamma_distribution<double> gamma(shape, 1.0 / (spec.rate_per_s * shape));
  std::exponential_distribution<double> exponential(spec.rate_per_s);
  double t = 0;
  while (true) {
    switch (spec.kind) {
      case WorkloadKind::kPoisson: t += exponential(rng); break;
      case WorkloadKind::kGamma: t += gamma(rng); break;
      case WorkloadKind::kFixedRate: t += 1.0 / spec.rate_per_s; break;
      case WorkloadKind::kTrace: break;
    }
    if (!within_limits(spec, out.size(), t)) break;
    add_request(spec, t, rng, out);
  }
  return out;
}

// Arrivals whose rate follows serving.workload.<process>.rate_profile, by time inversion: a
// stationary process of rate 1 (gaps s_i) mapped through the inverse of the integrated rate,
// t_i = Lambda^-1(s_1 + ... + s_i). With exponential gaps this is exactly the non-homogeneous
// Poisson process of rate lambda(t) (Cinlar 1975, "Introduction to Stochastic Processes";
// Law, "Simulation Modeling and Analysis", 5th ed. 2015, section 8.6.2); with gamma gaps it is the
// inversion method for a non-stationary renewal process, whose arrival rate follows lambda(t)
// while its variability is the stationary process's (Gerhardt and Nelson 2009, "Transforming
// renewal processes for simulation of nonstationary arrival processes", INFORMS Journal on
// Computing 21(4)). One draw per gap from the run's generator, then the lengths, as synthesize().
std::vector<RequestRecord> synthesize_profile(const WorkloadSpec& spec, uint64_t seed) {
  std::vector<RequestRecord> out;
  std::mt19937_64 rng(seed);
  const RateProfile profile(*spec.rate_profile);
  // Gamma gaps of mean 1 and coefficient of variation cv: shape 1/cv^2, scale cv^2.
  const double shape = 1.0 / (spec.cv * spec.cv);
  std::gamma_distribution<double> gamma(shape, 1.0 / shape);
  std::exponential_distribution<double> exponential(1.0);
  double s = 0, t = 0;
  while (true) {
    s += spec.kind == WorkloadKind::kGamma ? gamma(rng) : exponential(rng);
    // Lambda^-1 is non-decreasing; the max keeps arrivals in order against round-off where two
    // segments of the profile meet.
    t = std::max(t, profile.inverse(s));
    if (!std::isfinite(t) || !within_limits(spec, out.size(), t)) break;
    add_request(spec, t, rng, out);
  }
  return out;
}

}  // namespace

std::vector<RequestRecord> build_workload(const scenarios::Scenario& scenario, scenarios::Diagnostics& diags,
                                          RequestPrefixes* prefixes) {
  const WorkloadSpec& spec = scenario.serving->workload;
  if (prefixes != nullptr) *prefixes = {};
  std::vector<RequestRecord> out;
  if (spec.kind == WorkloadKind::kTrace) {
    out = replay_trace(spec, diags, prefixes);
  } else if (spec.max_requests <= 0 && spec.duration_s <= 0) {
    diags.error(scenario.where("serving.workload"),
                "a synthetic workload never ends; expected max_requests or duration");
    return {};
  } else if (spec.rate_profile) {
    out = synthesize_profile(spec, scenario.seed);
  } else {
    out = synthesize(spec, scenario.seed);
  }
  // Classes come from a stream of their own: arrivals and lengths above do not change.
  assign_priority_classes(*scenario.serving, scenario.seed, out);
  return out;
}

}  // namespace stratum::sim
