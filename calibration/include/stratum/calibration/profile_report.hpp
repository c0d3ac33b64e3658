#pragma once
// Coverage and fit quality of a calibration profile (`stratum calibrate-report`). Interpolation
// quality is measured by leave-one-out: each interior point of a series is predicted from the
// others and compared with its measurement; alpha-beta fits by their residuals.
#include <string>
#include <vector>

#include "stratum/scenarios/profile.hpp"

namespace stratum::calibration {

struct ErrorSummary {
  int count = 0;                 // predictions compared
  double median_abs = 0;         // of |predicted / measured - 1|
  double p95_abs = 0;
  double max_abs = 0;
};

struct CategoryReport {
  std::string name;        // "gemm", "attention_prefill", ...
  int samples = 0;         // measured cases
  int series = 0;          // distinct shapes (or fits) they form
  double min_x = 0, max_x = 0;  // range of the series' axis
  std::string axis;        // what x is: "m", "attention FLOPs", "KV tokens", "bytes"
  ErrorSummary fit;        // leave-one-out (series) or residuals (alpha-beta fits)
};

struct ProfileReport {
  std::vector<CategoryReport> categories;
};

ProfileReport analyze_profile(const scenarios::Profile& profile);

// Human-readable table of the report with the profile's header.
std::string format_report(const scenarios::Profile& profile, const ProfileReport& report);

}  // namespace stratum::calibration
