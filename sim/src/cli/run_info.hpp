#pragma once
// What every command that writes results records about itself in run.json / search.json:
// version, command line, wall time split into preparation and the work, peak memory.
#include <chrono>

#include "stratum/sim/results_writer.hpp"

namespace stratum::cli {

using Clock = std::chrono::steady_clock;

// The command line as typed.
std::string joined_command_line(int argc, char** argv);

// `wall_start`: the command's start; [work_start, work_end): the simulation or search itself.
// Wall time and peak memory are read now, just before the results are written.
sim::RunInfo make_run_info(int argc, char** argv, Clock::time_point wall_start, Clock::time_point work_start,
                           Clock::time_point work_end);

}  // namespace stratum::cli
