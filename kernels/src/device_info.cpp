#include "stratum/kernels/device_info.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <nccl.h>

#include <array>
#include <chrono>
#include <ctime>

#include "stratum/kernels/cuda_check.hpp"

#ifndef STRATUM_VERSION
#define STRATUM_VERSION "unknown"
#endif

namespace stratum::kernels {
namespace {

// The few NVML entry points used, declared as the NVML API reference (docs.nvidia.com/deploy/
// nvml-api) defines them; nvmlReturn_t is an int enum with NVML_SUCCESS = 0, nvmlClockType_t has
// NVML_CLOCK_SM = 1 and NVML_CLOCK_MEM = 2, clocks are MHz and the power limit milliwatts.
using NvmlDevice = void*;
using NvmlInit = int (*)();
using NvmlShutdown = int (*)();
using NvmlByPciBusId = int (*)(const char*, NvmlDevice*);
using NvmlClockInfo = int (*)(NvmlDevice, int, unsigned int*);
using NvmlPowerLimit = int (*)(NvmlDevice, unsigned int*);
using NvmlDriverVersion = int (*)(char*, unsigned int);
constexpr int kNvmlClockSm = 1;
constexpr int kNvmlClockMem = 2;

struct NvmlReadings {
  bool loaded = false;
  std::string driver_version;
  double sm_clock_mhz = 0, memory_clock_mhz = 0, power_limit_w = 0;
};

NvmlReadings read_nvml(int device) {
  NvmlReadings r;
  void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return r;
  auto init = reinterpret_cast<NvmlInit>(dlsym(lib, "nvmlInit_v2"));
  auto shutdown = reinterpret_cast<NvmlShutdown>(dlsym(lib, "nvmlShutdown"));
  auto by_bus = reinterpret_cast<NvmlByPciBusId>(dlsym(lib, "nvmlDeviceGetHandleByPciBusId_v2"));
  auto clock = reinterpret_cast<NvmlClockInfo>(dlsym(lib, "nvmlDeviceGetClockInfo"));
  auto power = reinterpret_cast<NvmlPowerLimit>(dlsym(lib, "nvmlDeviceGetPowerManagementLimit"));
  auto driver = reinterpret_cast<NvmlDriverVersion>(dlsym(lib, "nvmlSystemGetDriverVersion"));
  if (init != nullptr && shutdown != nullptr && init() == 0) {
    r.loaded = true;
    std::array<char, 96> text{};
    if (driver != nullptr && driver(text.data(), static_cast<unsigned>(text.size())) == 0) r.driver_version = text.data();
    // Map the CUDA device to NVML's by PCI bus id: the two number devices differently when
    // CUDA_VISIBLE_DEVICES or CUDA_DEVICE_ORDER is set.
    std::array<char, 32> bus{};
    NvmlDevice handle = nullptr;
    if (by_bus != nullptr && cudaDeviceGetPCIBusId(bus.data(), static_cast<int>(bus.size()), device) == cudaSuccess &&
        by_bus(bus.data(), &handle) == 0) {
      unsigned int v = 0;
      if (clock != nullptr && clock(handle, kNvmlClockSm, &v) == 0) r.sm_clock_mhz = v;
      if (clock != nullptr && clock(handle, kNvmlClockMem, &v) == 0) r.memory_clock_mhz = v;
      if (power != nullptr && power(handle, &v) == 0) r.power_limit_w = v * 1e-3;
    }
    shutdown();
  }
  dlclose(lib);
  return r;
}

std::string cuda_version_text(int v) {  // CUDA encodes 13.0 as 13000
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

}  // namespace

int cuda_device_count(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    if (why != nullptr) *why = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    cudaGetLastError();  // clear the sticky-free error so later calls do not report it again
    return 0;
  }
  if (count == 0 && why != nullptr) *why = "the CUDA runtime reports no devices";
  return count;
}

DeviceCaps device_caps(int device) {
  cudaDeviceProp p{};
  STRATUM_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  DeviceCaps c;
  c.name = p.name;
  c.cc_major = p.major;
  c.cc_minor = p.minor;
  c.sm_count = p.multiProcessorCount;
  c.total_memory = p.totalGlobalMem;
  c.l2_bytes = p.l2CacheSize;
  return c;
}

std::string nccl_version() {
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return {};
  // NCCL_VERSION(X, Y, Z) = X * 10000 + Y * 100 + Z since 2.9 (nccl.h).
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

scenarios::ProfileHeader describe_device(int device) {
  scenarios::ProfileHeader h;
  const DeviceCaps caps = device_caps(device);
  h.gpu_name = caps.name;
  int runtime = 0, driver_api = 0;
  STRATUM_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  STRATUM_CUDA_CHECK(cudaDriverGetVersion(&driver_api));
  h.cuda_version = cuda_version_text(runtime);
  h.nccl_version = nccl_version();
  h.date = utc_now_iso8601();
  h.tool = std::string("stratum-calibrate ") + STRATUM_VERSION;
  const NvmlReadings nvml = read_nvml(device);
  if (nvml.loaded && !nvml.driver_version.empty()) {
    h.driver_version = nvml.driver_version;
  } else {
    h.driver_version = "CUDA driver API " + cuda_version_text(driver_api);
  }
  if (nvml.loaded && nvml.sm_clock_mhz > 0) {
    h.sm_clock_mhz = nvml.sm_clock_mhz;
    h.memory_clock_mhz = nvml.memory_clock_mhz;
    h.power_limit_w = nvml.power_limit_w;
    h.notes = "clocks: NVML current clocks when the run started; power: NVML power management limit";
  } else {
    // cudaDevAttrClockRate / MemoryClockRate are peak clocks in kHz (CUDA runtime API reference).
    int sm_khz = 0, mem_khz = 0;
    STRATUM_CUDA_CHECK(cudaDeviceGetAttribute(&sm_khz, cudaDevAttrClockRate, device));
    STRATUM_CUDA_CHECK(cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, device));
    h.sm_clock_mhz = sm_khz * 1e-3;
    h.memory_clock_mhz = mem_khz * 1e-3;
    h.notes = "NVML unavailable: clocks are the CUDA runtime's peak clocks, power limit unknown (0)";
  }
  return h;
}

}  // namespace stratum::kernels
