#include "stratum/kernels/event_timer.hpp"

#include <algorithm>
#include <stdexcept>

#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/statistics.hpp"

namespace stratum::kernels {
namespace {

void check_config(const TimingConfig& c) {
  if (c.repetitions < 1 || c.warmup < 0) throw std::invalid_argument("timing needs at least one repetition");
}

}  // namespace

EventTimer::EventTimer(const TimingConfig& config) : config_(config) {
  check_config(config_);
  start_.resize(static_cast<size_t>(config_.repetitions));
  stop_.resize(start_.size());
  for (size_t i = 0; i < start_.size(); ++i) {
    STRATUM_CUDA_CHECK(cudaEventCreate(&start_[i]));
    STRATUM_CUDA_CHECK(cudaEventCreate(&stop_[i]));
  }
  if (config_.flush_l2) {
    int device = 0, l2 = 0;
    STRATUM_CUDA_CHECK(cudaGetDevice(&device));
    STRATUM_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
    flush_ = DeviceBuffer(2 * static_cast<size_t>(std::max(l2, 1)));
  }
  samples_.reserve(start_.size());
}

EventTimer::~EventTimer() {
  for (size_t i = 0; i < start_.size(); ++i) {
    if (start_[i] != nullptr) cudaEventDestroy(start_[i]);
    if (stop_[i] != nullptr) cudaEventDestroy(stop_[i]);
  }
}

scenarios::Timing EventTimer::time(cudaStream_t stream, const std::function<void()>& launch) {
  for (int i = 0; i < config_.warmup; ++i) launch();
  STRATUM_CUDA_CHECK(cudaStreamSynchronize(stream));
  STRATUM_CUDA_CHECK(cudaGetLastError());
  for (size_t i = 0; i < start_.size(); ++i) {
    if (flush_.get() != nullptr) STRATUM_CUDA_CHECK(cudaMemsetAsync(flush_.get(), static_cast<int>(i & 0xff), flush_.bytes(), stream));
    STRATUM_CUDA_CHECK(cudaEventRecord(start_[i], stream));
    launch();
    STRATUM_CUDA_CHECK(cudaEventRecord(stop_[i], stream));
  }
  STRATUM_CUDA_CHECK(cudaStreamSynchronize(stream));
  STRATUM_CUDA_CHECK(cudaGetLastError());
  samples_.clear();
  for (size_t i = 0; i < start_.size(); ++i) {
    float ms = 0;
    STRATUM_CUDA_CHECK(cudaEventElapsedTime(&ms, start_[i], stop_[i]));
    samples_.push_back(static_cast<double>(ms) * 1e-3);
  }
  return summarize_timings(samples_);
}

scenarios::Timing time_across_devices(std::span<const int> devices, std::span<const cudaStream_t> streams,
                                      const TimingConfig& config, const std::function<void()>& launch) {
  check_config(config);
  if (devices.size() != streams.size() || devices.empty()) throw std::invalid_argument("one stream per device");
  const size_t ranks = devices.size();
  const auto reps = static_cast<size_t>(config.repetitions);
  std::vector<cudaEvent_t> start(ranks * reps, nullptr), stop(ranks * reps, nullptr);
  struct Cleanup {
    std::span<const int> devices;
    std::vector<cudaEvent_t>& start;
    std::vector<cudaEvent_t>& stop;
    ~Cleanup() {
      for (size_t i = 0; i < start.size(); ++i) {
        cudaSetDevice(devices[i % devices.size()]);
        if (start[i] != nullptr) cudaEventDestroy(start[i]);
        if (stop[i] != nullptr) cudaEventDestroy(stop[i]);
      }
    }
  } cleanup{devices, start, stop};
  for (size_t i = 0; i < start.size(); ++i) {
    STRATUM_CUDA_CHECK(cudaSetDevice(devices[i % ranks]));
    STRATUM_CUDA_CHECK(cudaEventCreate(&start[i]));
    STRATUM_CUDA_CHECK(cudaEventCreate(&stop[i]));
  }
  auto sync_all = [&] {
    for (size_t r = 0; r < ranks; ++r) {
      STRATUM_CUDA_CHECK(cudaSetDevice(devices[r]));
      STRATUM_CUDA_CHECK(cudaStreamSynchronize(streams[r]));
    }
  };
  for (int i = 0; i < config.warmup; ++i) launch();
  sync_all();
  for (size_t rep = 0; rep < reps; ++rep) {
    for (size_t r = 0; r < ranks; ++r) {
      STRATUM_CUDA_CHECK(cudaSetDevice(devices[r]));
      STRATUM_CUDA_CHECK(cudaEventRecord(start[rep * ranks + r], streams[r]));
    }
    launch();
    for (size_t r = 0; r < ranks; ++r) {
      STRATUM_CUDA_CHECK(cudaSetDevice(devices[r]));
      STRATUM_CUDA_CHECK(cudaEventRecord(stop[rep * ranks + r], streams[r]));
    }
  }
  sync_all();
  std::vector<double> samples;
  samples.reserve(reps);
  for (size_t rep = 0; rep < reps; ++rep) {
    double slowest = 0;
    for (size_t r = 0; r < ranks; ++r) {
      float ms = 0;
      STRATUM_CUDA_CHECK(cudaEventElapsedTime(&ms, start[rep * ranks + r], stop[rep * ranks + r]));
      slowest = std::max(slowest, static_cast<double>(ms) * 1e-3);
    }
    samples.push_back(slowest);
  }
  return summarize_timings(samples);
}

}  // namespace stratum::kernels
