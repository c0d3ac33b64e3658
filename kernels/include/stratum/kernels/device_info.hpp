#pragma once
// What the machine is: GPU count and properties, and the profile header (name, driver, CUDA and
// NCCL versions, clocks, power limit, date). The toolkit on the build machines ships no nvml.h,
// so NVML is opened at run time (dlopen of libnvidia-ml.so.1, which the driver installs) for the
// driver version, current clocks and power limit; without it the header records what the CUDA
// runtime gives (peak clocks, the driver's CUDA API version) and says so in its notes.
#include <cstddef>
#include <string>

#include "stratum/scenarios/profile.hpp"

namespace stratum::kernels {

// Number of CUDA devices, or 0 with `why` filled in when there are none or the runtime cannot
// reach a driver (cudaGetDeviceCount returns an error and leaves the count untouched then:
// BUILD-NOTES.md).
int cuda_device_count(std::string* why);

struct DeviceCaps {
  std::string name;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  size_t total_memory = 0;
  int l2_bytes = 0;
  // FP8 tensor cores: compute capability 8.9 (Ada) and newer (CUDA C++ Programming Guide,
  // "Compute Capabilities"; cuBLASLt FP8 matmul requires it).
  bool fp8() const { return cc_major > 8 || (cc_major == 8 && cc_minor >= 9); }
};
DeviceCaps device_caps(int device);

// Header of a profile for `device`; gpu_id is left for the caller (options or name match).
scenarios::ProfileHeader describe_device(int device);

// "2.28.9": the NCCL library's own version (ncclGetVersion).
std::string nccl_version();

// Current UTC time, ISO 8601 ("2025-01-31T12:00:00Z").
std::string utc_now_iso8601();

}  // namespace stratum::kernels
