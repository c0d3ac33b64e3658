#pragma once
// Matches the name the driver reports ("NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB") to a
// hardware catalogue id, so that a profile says which catalogue GPU it calibrates.
#include <string>
#include <vector>

#include "stratum/scenarios/hardware.hpp"

namespace stratum::kernels {

// The catalogue id whose model token (the first token of the id that has a digit: "h100",
// "a100", "4090", "l40s") appears in `device_name`, preferring one whose memory token ("80gb")
// also appears. A PCIe board never matches an SXM entry or the reverse: they differ in clocks,
// power and memory bandwidth. Empty when nothing, or more than one entry equally, matches.
std::string match_gpu_id(const std::string& device_name, const std::vector<scenarios::GpuSpec>& gpus);

}  // namespace stratum::kernels
