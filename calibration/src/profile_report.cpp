#include "stratum/calibration/profile_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "stratum/calibration/interpolation.hpp"
#include "stratum/calibration/profile_cost_model.hpp"
#include "stratum/calibration/quantile.hpp"

namespace stratum::calibration {
namespace {

ErrorSummary summarize(std::vector<double> errors) {
  ErrorSummary s;
  s.count = static_cast<int>(errors.size());
  if (errors.empty()) return s;
  std::sort(errors.begin(), errors.end());
  s.median_abs = quantile_sorted(errors, 0.5);
  s.p95_abs = quantile_sorted(errors, 0.95);
  s.max_abs = errors.back();
  return s;
}

// Leave-one-out over the interior points of every series: the error interpolation makes where
// the grid has no point.
template <class Key>
CategoryReport series_report(const std::string& name, const std::string& axis,
                             const std::map<Key, std::vector<Point>>& series, int samples) {
  CategoryReport r{name, samples, static_cast<int>(series.size()), INFINITY, 0, axis, {}};
  std::vector<double> errors;
  for (const auto& [key, points] : series) {
    std::vector<Point> sorted = points;
    std::sort(sorted.begin(), sorted.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    r.min_x = std::min(r.min_x, sorted.front().x);
    r.max_x = std::max(r.max_x, sorted.back().x);
    for (size_t i = 1; i + 1 < sorted.size(); ++i) {
      std::vector<Point> rest = sorted;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
      const LogLogSeries s(std::move(rest));
      errors.push_back(std::abs(s.at(sorted[i].x).seconds / sorted[i].y - 1.0));
    }
  }
  if (series.empty()) r.min_x = 0;
  r.fit = summarize(std::move(errors));
  return r;
}

template <class Key>
CategoryReport fit_report(const std::string& name, const std::map<Key, std::vector<Point>>& groups, int samples) {
  CategoryReport r{name, samples, 0, INFINITY, 0, "bytes", {}};
  std::vector<double> errors;
  for (const auto& [key, points] : groups) {
    AlphaBeta fit;
    if (!fit_alpha_beta(points, fit)) continue;
    ++r.series;
    for (const Point& p : points) {
      r.min_x = std::min(r.min_x, p.x);
      r.max_x = std::max(r.max_x, p.x);
      errors.push_back(std::abs(fit.seconds(p.x) / p.y - 1.0));
    }
  }
  if (r.series == 0) r.min_x = 0;
  r.fit = summarize(std::move(errors));
  return r;
}

}  // namespace

ProfileReport analyze_profile(const scenarios::Profile& p) {
  ProfileReport report;
  std::map<std::tuple<int, int64_t, int64_t, int64_t>, std::vector<Point>> gemm;
  for (const auto& s : p.gemm) {
    gemm[{static_cast<int>(s.dtype), s.n, s.k, s.groups > 1 ? 1 : 0}].push_back(
        {static_cast<double>(s.groups * s.m), s.timing.median_s});
  }
  report.categories.push_back(series_report("gemm", "m (x groups)", gemm, static_cast<int>(p.gemm.size())));

  std::map<std::tuple<int, int64_t, int64_t, int64_t>, std::vector<Point>> prefill, decode;
  for (const auto& s : p.attention_prefill) {
    const AttentionShape shape{s.heads, s.kv_heads, s.head_dim};
    const std::vector<PrefillChunk> chunks(static_cast<size_t>(s.batch), PrefillChunk{s.new_tokens, s.context_before});
    prefill[{static_cast<int>(s.dtype), s.heads, s.kv_heads, s.head_dim}].push_back(
        {ProfileCostModel::prefill_flops(chunks, shape), s.timing.median_s});
  }
  for (const auto& s : p.attention_decode) {
    decode[{static_cast<int>(s.dtype), s.heads, s.kv_heads, s.head_dim}].push_back(
        {static_cast<double>(s.batch * s.context), s.timing.median_s});
  }
  report.categories.push_back(series_report("attention_prefill", "attention FLOPs", prefill,
                                            static_cast<int>(p.attention_prefill.size())));
  report.categories.push_back(
      series_report("attention_decode", "KV tokens", decode, static_cast<int>(p.attention_decode.size())));

  std::map<std::tuple<int, int, std::string>, std::vector<Point>> collectives;  // one fit per algorithm
  for (const auto& s : p.collectives) {
    collectives[{static_cast<int>(s.op), s.ranks, s.algorithm}].push_back({s.bytes, s.timing.median_s});
  }
  report.categories.push_back(fit_report("collectives", collectives, static_cast<int>(p.collectives.size())));
  std::map<std::tuple<int, bool>, std::vector<Point>> copies;
  for (const auto& s : p.copies) copies[{static_cast<int>(s.direction), s.pinned}].push_back({s.bytes, s.timing.median_s});
  report.categories.push_back(fit_report("copies", copies, static_cast<int>(p.copies.size())));
  return report;
}

std::string format_report(const scenarios::Profile& p, const ProfileReport& report) {
  std::string out;
  char line[256];
  const auto& h = p.header;
  std::snprintf(line, sizeof line, "profile of %s (%s), %s\n", h.gpu_id.c_str(), h.gpu_name.c_str(), h.date.c_str());
  out += line;
  std::snprintf(line, sizeof line, "  driver %s, CUDA %s, NCCL %s, SM %.0f MHz, memory %.0f MHz, power limit %.0f W\n",
                h.driver_version.c_str(), h.cuda_version.c_str(), h.nccl_version.c_str(), h.sm_clock_mhz,
                h.memory_clock_mhz, h.power_limit_w);
  out += line;
  if (!h.tool.empty()) out += "  measured by " + h.tool + "\n";
  if (!h.notes.empty()) out += "  notes: " + h.notes + "\n";
  out += "\n";
  std::snprintf(line, sizeof line, "%-18s %8s %7s  %-16s %12s %12s  %6s %10s %10s %10s\n", "category", "samples",
                "series", "axis", "from", "to", "checks", "median err", "p95 err", "max err");
  out += line;
  for (const auto& c : report.categories) {
    std::snprintf(line, sizeof line, "%-18s %8d %7d  %-16s %12.4g %12.4g  %6d", c.name.c_str(), c.samples, c.series,
                  c.axis.c_str(), c.min_x, c.max_x, c.fit.count);
    out += line;
    if (c.fit.count == 0) {
      out += "          -          -          -\n";  // nothing to check the fit against
      continue;
    }
    std::snprintf(line, sizeof line, " %9.2f%% %9.2f%% %9.2f%%\n", 100 * c.fit.median_abs, 100 * c.fit.p95_abs,
                  100 * c.fit.max_abs);
    out += line;
  }
  out += "\nerrors: leave-one-out interpolation for series (each interior point predicted from the others),\n"
         "residuals of the alpha-beta fit for collectives and copies. Elementwise and norm ops are not\n"
         "profiled: the roofline model costs them.\n";
  return out;
}

}  // namespace stratum::calibration
