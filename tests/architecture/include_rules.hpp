#pragma once
// The dependency rules of DESIGN.md section 1, checked on every #include of the source tree:
//   scenarios <- topology;  scenarios <- calibration <- policies <- sim;  calibration <- kernels;
//   scenarios <- gui.  SimGrid only in sim/, CUDA only in kernels/, protobuf only in scenarios/src.
#include <string>
#include <vector>

namespace stratum::architecture {

struct Violation {
  std::string file;
  int line = 0;
  std::string include;
  std::string rule;
};

// `file` is relative to the repository root ("sim/src/x.cpp"); `text` is its content.
std::vector<Violation> check_includes(const std::string& file, const std::string& text);

}  // namespace stratum::architecture
