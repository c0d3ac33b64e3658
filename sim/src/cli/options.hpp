#pragma once
// Command-line parsing for `stratum`. Usage errors exit 2; input errors exit 1 (issue 3).
#include <string>
#include <vector>

#include "stratum/scenarios/loader.hpp"

namespace stratum::cli {

enum class ProgressMode { kAuto, kBar, kJson, kNone };

struct Options {
  std::string command;              // validate | run | compare | topo | catalog | help | version
  std::vector<std::string> files;   // scenario files (validate: many; run: one)
  std::string out_dir;              // --out
  std::vector<scenarios::Override> overrides;  // --set, --seed
  std::string workload_trace;       // --workload
  bool trace = false;               // --trace
  ProgressMode progress = ProgressMode::kAuto;
  std::string catalog_section;      // catalog [gpus|models]
  std::string dot_out;              // topo --dot
  std::string graphml_out;          // topo --graphml
  int seeds = 0;                    // compare --seeds: seeds 1..N, paired (0: the default, 5)
  int jobs = 0;                     // compare -j: simulations at once (0: one per core)
  int top = 0;                      // search --top: layouts printed (0: the default, 10)
  bool seed_given = false;          // --seed (compare rejects it: its seeds are 1..N)
};

// Returns false with `error` set for a usage error.
bool parse_options(int argc, char** argv, Options& out, std::string& error);

const char* usage();

}  // namespace stratum::cli
