#pragma once
// The timing harness: warm-up launches, then each repetition bracketed by its own pair of CUDA
// events, summarised as median / p10 / p90 (statistics.hpp). Optionally the L2 cache is flushed
// before every repetition, outside the events, so that a weight matrix smaller than L2 is read
// from HBM as it is in a real model, where the other layers evict it (NVIDIA nvbench does the
// same in its cold measurements, nvbench/detail/l2flush.cuh).
#include <cuda_runtime_api.h>

#include <functional>
#include <span>
#include <vector>

#include "stratum/kernels/device_buffer.hpp"
#include "stratum/scenarios/profile.hpp"

namespace stratum::kernels {

struct TimingConfig {
  // Assumption, no published source: 5 warm-up launches let cuBLASLt load its kernels and the
  // clocks leave idle; 50 repetitions is the minimum. Calibration runs can raise both.
  int warmup = 5;
  int repetitions = 50;
  bool flush_l2 = true;
};

class EventTimer {
 public:
  // Creates the events on the current device and, when flushing, a buffer twice its L2 size.
  explicit EventTimer(const TimingConfig& config);
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;

  // Times `launch` (which enqueues work on `stream`) and returns its summary.
  scenarios::Timing time(cudaStream_t stream, const std::function<void()>& launch);

  const TimingConfig& config() const { return config_; }

 private:
  TimingConfig config_;
  std::vector<cudaEvent_t> start_, stop_;
  DeviceBuffer flush_;
  std::vector<double> samples_;
};

// Multi-GPU variant for collectives: `launch` enqueues one collective on every (device, stream);
// a repetition's time is the slowest rank's event-to-event time, since a collective has finished
// only when every rank has.
scenarios::Timing time_across_devices(std::span<const int> devices, std::span<const cudaStream_t> streams,
                                      const TimingConfig& config, const std::function<void()>& launch);

}  // namespace stratum::kernels
