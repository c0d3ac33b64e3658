#pragma once
// The `stratum` subcommands. Each returns the process exit status.
#include "options.hpp"

namespace stratum::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidInput = 1;
inline constexpr int kExitUsage = 2;

int run_validate(const Options& options);
int run_run(const Options& options, int argc, char** argv);
int run_search(const Options& options, int argc, char** argv);
int run_compare(const Options& options);
int run_catalog(const Options& options);
int run_topo(const Options& options);
int run_calibrate_report(const Options& options);

}  // namespace stratum::cli
