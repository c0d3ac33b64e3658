// stratum: the command line of the Stratum simulator.
#include <cstdio>
#include <exception>
#include <string>

#include "commands.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  using namespace stratum::cli;
  Options options;
  std::string error;
  if (!parse_options(argc, argv, options, error)) {
    std::fprintf(stderr, "stratum: %s\n\n%s", error.c_str(), usage());
    return kExitUsage;
  }
  try {
    if (options.command == "help") {
      std::fputs(usage(), stdout);
      return kExitOk;
    }
    if (options.command == "version") {
      std::printf("stratum %s\n", STRATUM_VERSION);
      return kExitOk;
    }
    if (options.command == "validate") return run_validate(options);
    if (options.command == "run") return run_run(options, argc, argv);
    if (options.command == "search") return run_search(options, argc, argv);
    if (options.command == "compare") return run_compare(options);
    if (options.command == "catalog") return run_catalog(options);
    if (options.command == "topo") return run_topo(options);
    if (options.command == "calibrate-report") return run_calibrate_report(options);
  } catch (const std::exception& e) {
    // Only I/O failures and defects get here; input errors are reported as diagnostics.
    std::fprintf(stderr, "stratum: error: %s\n", e.what());
    return kExitInvalidInput;
  }
  std::fprintf(stderr, "stratum: unknown command '%s'\n\n%s", options.command.c_str(), usage());
  return kExitUsage;
}
