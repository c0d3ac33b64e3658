// `stratum validate FILE...`: every error of every file, then exit 1 if any.
#include <cstdio>

#include "commands.hpp"
#include "prepare.hpp"
#include "stratum/sim/workload.hpp"

namespace stratum::cli {

int run_validate(const Options& options) {
  bool all_ok = true;
  for (const std::string& file : options.files) {
    scenarios::Diagnostics diags;
    auto scenario = prepare_scenario(file, options, diags);
    // Reading the workload checks a trace's every row, as `run` would.
    if (scenario && scenario->serving) sim::build_workload(*scenario, diags);
    if (diags.ok()) {
      std::printf("%s: ok\n", file.c_str());
    } else {
      print_diagnostics(diags);
      all_ok = false;
    }
  }
  return all_ok ? kExitOk : kExitInvalidInput;
}

}  // namespace stratum::cli
