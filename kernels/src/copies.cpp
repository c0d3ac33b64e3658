#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/sweeps.hpp"

namespace stratum::kernels {

using scenarios::CopyDirection;

void run_copy_sweep(const std::vector<double>& sizes, SweepContext& ctx, std::vector<scenarios::CopySample>& out) {
  double largest_d = 0;
  for (double s : sizes) largest_d = std::max(largest_d, s);
  const auto largest = static_cast<size_t>(largest_d);
  DeviceBuffer dev_a(largest), dev_b(largest);
  PinnedBuffer pinned_a(largest), pinned_b(largest);
  std::vector<unsigned char> pageable_a(largest), pageable_b(largest);
  // Copies move data and leave the L2 alone: no flush (and a flush write would add to the
  // device-to-device traffic being measured).
  TimingConfig config = ctx.timing;
  config.flush_l2 = false;
  EventTimer timer(config);

  struct Case {
    CopyDirection direction;
    bool pinned;
  };
  const std::vector<Case> cases = {{CopyDirection::kHostToDevice, true},  {CopyDirection::kHostToDevice, false},
                                   {CopyDirection::kDeviceToHost, true},  {CopyDirection::kDeviceToHost, false},
                                   {CopyDirection::kDeviceToDevice, true}};
  size_t done = 0;
  for (double size : sizes) {
    const auto bytes = static_cast<size_t>(size);
    // Round trip host -> device -> device -> host of a known pattern, checked byte for byte, in
    // both host memory kinds, before any copy of this size is timed.
    for (bool pinned : {true, false}) {
      unsigned char* src = pinned ? static_cast<unsigned char*>(pinned_a.get()) : pageable_a.data();
      unsigned char* dst = pinned ? static_cast<unsigned char*>(pinned_b.get()) : pageable_b.data();
      for (size_t i = 0; i < bytes; ++i) src[i] = static_cast<unsigned char>((i * 131 + bytes) >> 3);
      std::memset(dst, 0, bytes);
      STRATUM_CUDA_CHECK(cudaMemcpyAsync(dev_a.get(), src, bytes, cudaMemcpyHostToDevice, ctx.stream));
      STRATUM_CUDA_CHECK(cudaMemcpyAsync(dev_b.get(), dev_a.get(), bytes, cudaMemcpyDeviceToDevice, ctx.stream));
      STRATUM_CUDA_CHECK(cudaMemcpyAsync(dst, dev_b.get(), bytes, cudaMemcpyDeviceToHost, ctx.stream));
      STRATUM_CUDA_CHECK(cudaStreamSynchronize(ctx.stream));
      if (std::memcmp(src, dst, bytes) != 0) {
        ctx.log->failures.push_back("copy round trip of " + std::to_string(bytes) + " B (" +
                                    (pinned ? "pinned" : "pageable") + ") does not return the data sent");
      }
    }
    for (const auto& c : cases) {
      ctx.log->progress("copies", ++done, sizes.size() * cases.size());
      void* host = c.pinned ? pinned_a.get() : static_cast<void*>(pageable_a.data());
      std::function<void()> launch;
      switch (c.direction) {
        case CopyDirection::kHostToDevice:
          launch = [&, host] { STRATUM_CUDA_CHECK(cudaMemcpyAsync(dev_a.get(), host, bytes, cudaMemcpyHostToDevice, ctx.stream)); };
          break;
        case CopyDirection::kDeviceToHost:
          launch = [&, host] { STRATUM_CUDA_CHECK(cudaMemcpyAsync(host, dev_a.get(), bytes, cudaMemcpyDeviceToHost, ctx.stream)); };
          break;
        case CopyDirection::kDeviceToDevice:
          launch = [&] { STRATUM_CUDA_CHECK(cudaMemcpyAsync(dev_b.get(), dev_a.get(), bytes, cudaMemcpyDeviceToDevice, ctx.stream)); };
          break;
      }
      scenarios::CopySample s;
      s.direction = c.direction;
      s.pinned = c.pinned;
      s.bytes = static_cast<double>(bytes);
      s.timing = timer.time(ctx.stream, launch);
      out.push_back(s);
    }
  }
}

}  // namespace stratum::kernels
