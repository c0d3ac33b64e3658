#pragma once
// Progress on stderr (DESIGN.md section 2): a bar for people, JSON lines for the GUI.
#include <cstdio>

#include "options.hpp"

namespace stratum::cli {

class ProgressReporter {
 public:
  explicit ProgressReporter(ProgressMode mode);
  void update(double fraction, double sim_time_s);
  void finish();

 private:
  ProgressMode mode_;
  int last_percent_ = -1;
};

}  // namespace stratum::cli
