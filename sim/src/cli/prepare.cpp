#include "prepare.hpp"

#include <cstdio>
#include <filesystem>

#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/loader.hpp"
#include "stratum/scenarios/trace.hpp"
#include "stratum/sim/checks.hpp"
#include "stratum/sim/training_run.hpp"

namespace stratum::cli {
namespace {

void apply_workload_trace(const std::string& path, scenarios::Scenario& scenario, scenarios::Diagnostics& diags) {
  const scenarios::SourceLocation where{"--workload " + path, 0, 0};
  if (!scenario.serving) {
    diags.error(where, "the scenario has no serving section to replay a trace into; expected a serving scenario");
    return;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    diags.error(where, "trace file not found: " + std::filesystem::absolute(path).string() +
                           "; expected an Azure CSV or Mooncake JSONL trace");
    return;
  }
  // The whole workload is replaced, limits included: the trace is replayed from start to end.
  scenarios::WorkloadSpec w;
  if (!scenarios::detect_trace_format(path, w.trace_format, diags)) return;
  w.kind = scenarios::WorkloadKind::kTrace;
  w.trace_path = path;
  scenario.serving->workload = w;
}

}  // namespace

std::optional<scenarios::Scenario> prepare_scenario(const std::string& file, const Options& options,
                                                    scenarios::Diagnostics& diags) {
  auto scenario = scenarios::load_scenario(file, options.overrides, scenarios::Catalog::builtin(), diags);
  if (!scenario) return std::nullopt;
  if (!options.workload_trace.empty()) apply_workload_trace(options.workload_trace, *scenario, diags);
  sim::check_serving(*scenario, diags);
  sim::check_collectives(*scenario, diags);
  sim::check_training(*scenario, diags);  // issue 7: sim/src/training_run.cpp
  if (!diags.ok()) return std::nullopt;
  return scenario;
}

void print_diagnostics(const scenarios::Diagnostics& diags) {
  for (const auto& d : diags.errors()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

}  // namespace stratum::cli
