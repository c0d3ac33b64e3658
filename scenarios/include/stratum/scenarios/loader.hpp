#pragma once
// Loads a scenario file (protobuf text format, schema in scenarios/proto/stratum/) into plain
// structs, with every syntax and semantic problem collected into `diags`.
#include <optional>
#include <string>
#include <vector>

#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios {

// A command-line override `--set path=value`, e.g. "serving.replica.tensor_parallel=4".
struct Override {
  std::string path;
  std::string value;
};

// Returns the scenario when it is valid; otherwise nullopt with every problem in `diags`.
// Overrides use the same paths, checks and messages; their errors are located at "--set path".
std::optional<Scenario> load_scenario(const std::string& file, const std::vector<Override>& overrides,
                                      const Catalog& catalog, Diagnostics& diags);

// Parses "path=value" into an Override; false when there is no '=' or the path is empty.
bool parse_override(const std::string& text, Override& out);

}  // namespace stratum::scenarios
