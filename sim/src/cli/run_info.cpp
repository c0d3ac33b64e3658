#include "run_info.hpp"

#include <sys/resource.h>

#include <string>

namespace stratum::cli {

std::string joined_command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) out += ' ';
    out += argv[i];
  }
  return out;
}

sim::RunInfo make_run_info(int argc, char** argv, Clock::time_point wall_start, Clock::time_point work_start,
                           Clock::time_point work_end) {
  sim::RunInfo info;
  info.version = STRATUM_VERSION;
  info.command_line = joined_command_line(argc, argv);
  info.prepare_s = std::chrono::duration<double>(work_start - wall_start).count();
  info.simulate_s = std::chrono::duration<double>(work_end - work_start).count();
  info.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  info.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux reports KiB
  return info;
}

}  // namespace stratum::cli
