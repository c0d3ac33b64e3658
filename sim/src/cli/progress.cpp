#include "progress.hpp"

#include <unistd.h>

namespace stratum::cli {

ProgressReporter::ProgressReporter(ProgressMode mode) : mode_(mode) {
  if (mode_ == ProgressMode::kAuto) mode_ = isatty(STDERR_FILENO) ? ProgressMode::kBar : ProgressMode::kNone;
}

void ProgressReporter::update(double fraction, double sim_time_s) {
  const int percent = static_cast<int>(fraction * 100.0);
  if (percent == last_percent_ || mode_ == ProgressMode::kNone) return;
  last_percent_ = percent;
  if (mode_ == ProgressMode::kJson) {
    std::fprintf(stderr, "{\"progress\":%.3f,\"simulated_time_s\":%.3f}\n", fraction, sim_time_s);
  } else {
    constexpr int kWidth = 40;
    const int filled = percent * kWidth / 100;
    std::fprintf(stderr, "\r[%.*s%*s] %3d%%  simulated %.0f s", filled, "########################################",
                 kWidth - filled, "", percent, sim_time_s);
  }
  std::fflush(stderr);
}

void ProgressReporter::finish() {
  if (mode_ == ProgressMode::kBar && last_percent_ >= 0) std::fputc('\n', stderr);
}

}  // namespace stratum::cli
