// `stratum calibrate-report PROFILE`: what a calibration profile covers and how well its
// interpolation and fits reproduce its own measurements (leave-one-out).
#include <cstdio>

#include "commands.hpp"
#include "prepare.hpp"
#include "stratum/calibration/profile_report.hpp"
#include "stratum/scenarios/profile.hpp"

namespace stratum::cli {

int run_calibrate_report(const Options& options) {
  scenarios::Diagnostics diags;
  const auto profile = scenarios::load_profile(options.files.front(), diags);
  if (!profile) {
    print_diagnostics(diags);
    return kExitInvalidInput;
  }
  const calibration::ProfileReport report = calibration::analyze_profile(*profile);
  std::fputs(calibration::format_report(*profile, report).c_str(), stdout);
  return kExitOk;
}

}  // namespace stratum::cli
