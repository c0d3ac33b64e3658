#pragma once
// Interpolation and curve fits used by the profile cost model: piecewise-linear interpolation in
// log-log space between measured points (kernel time follows a power law of size between
// neighbouring grid points far better than a linear one), a log-log line fitted to the end points
// for extrapolation, and the alpha-beta line t = alpha + bytes / beta for transfers.
#include <span>
#include <vector>

#include "stratum/calibration/cost_model.hpp"

namespace stratum::calibration {

struct Point {
  double x = 0;  // a size: rows, FLOPs, bytes (> 0)
  double y = 0;  // seconds (> 0)
};

// Measured points of one series, sorted by x with duplicates averaged (in log space).
class LogLogSeries {
 public:
  LogLogSeries() = default;
  explicit LogLogSeries(std::vector<Point> points);

  bool empty() const { return xs_.empty(); }
  size_t size() const { return xs_.size(); }
  double min_x() const;
  double max_x() const;

  // Exact x: measured; inside the range: interpolated between neighbours; outside: extrapolated
  // along the least-squares log-log line through the three points nearest that end (two when
  // only two exist; a lone point scales linearly in x).
  Estimate at(double x) const;

 private:
  std::vector<double> xs_;  // log x, ascending
  std::vector<double> ys_;  // log y
};

// Least-squares fit of t = alpha + bytes / beta (Hockney's model), the basis of NCCL's own
// latency and bandwidth accounting.
struct AlphaBeta {
  double alpha_s = 0;
  double beta_Bps = 0;  // bytes per second; infinite slope is never returned (beta > 0)
  double min_bytes = 0, max_bytes = 0;  // range the fit saw
  double seconds(double bytes) const { return alpha_s + bytes / beta_Bps; }
};

// Needs at least two distinct sizes; a negative fitted alpha is clamped to zero and beta refitted
// through the origin, since a transfer never takes negative time.
bool fit_alpha_beta(std::span<const Point> points, AlphaBeta& out);

}  // namespace stratum::calibration
