#pragma once
// Command line of stratum-calibrate, parsed without touching the GPU so that it is testable
// anywhere:  stratum-calibrate --out FILE [--ops gemm,attention,collectives,copies,layers]
//                              [--gpu-id CATALOG_ID] [--quick]
#include <span>
#include <string>

namespace stratum::kernels {

struct CalibrateOptions {
  std::string out;     // profile file to write
  bool gemm = true, attention = true, collectives = true, copies = true, layers = true;
  std::string gpu_id;  // catalogue id; empty: matched from the device name
  bool quick = false;  // reduced grids, for a first look in a few minutes
  bool help = false;
};

struct ParsedCalibrateOptions {
  CalibrateOptions options;
  std::string error;  // empty when the arguments are valid
};

// `args` excludes the program name. Accepts `--flag value` and `--flag=value`.
ParsedCalibrateOptions parse_calibrate_options(std::span<const std::string> args);

std::string calibrate_usage();

}  // namespace stratum::kernels
