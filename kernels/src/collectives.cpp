#include <nccl.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/reference.hpp"
#include "stratum/kernels/sweeps.hpp"

namespace stratum::kernels {
namespace {

using scenarios::CollectiveOp;

void nccl_check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw std::runtime_error(std::string(what) + " failed: " + ncclGetErrorString(r));
}

// Communicators, streams and buffers for the first `ranks` GPUs.
struct Ranks {
  std::vector<int> devices;
  std::vector<ncclComm_t> comms;
  std::vector<cudaStream_t> streams;
  std::vector<DeviceBuffer> send, recv;

  Ranks(int n, size_t bytes) : devices(static_cast<size_t>(n)), comms(devices.size(), nullptr), streams(devices.size(), nullptr) {
    for (int i = 0; i < n; ++i) devices[static_cast<size_t>(i)] = i;
    nccl_check(ncclCommInitAll(comms.data(), n, devices.data()), "ncclCommInitAll");
    for (size_t r = 0; r < devices.size(); ++r) {
      STRATUM_CUDA_CHECK(cudaSetDevice(devices[r]));
      STRATUM_CUDA_CHECK(cudaStreamCreateWithFlags(&streams[r], cudaStreamNonBlocking));
      send.emplace_back(bytes);
      recv.emplace_back(bytes);
    }
  }
  ~Ranks() {
    for (size_t r = 0; r < devices.size(); ++r) {
      cudaSetDevice(devices[r]);
      send[r] = DeviceBuffer();
      recv[r] = DeviceBuffer();
      if (streams[r] != nullptr) cudaStreamDestroy(streams[r]);
      if (comms[r] != nullptr) ncclCommDestroy(comms[r]);
    }
  }
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;
};

// Enqueues one collective of `bytes` (nccl-tests' size convention, sweeps.hpp) on every rank.
void enqueue(CollectiveOp op, size_t bytes, Ranks& r) {
  const int n = static_cast<int>(r.devices.size());
  const size_t elems = bytes / 2;  // BF16
  const size_t chunk = elems / static_cast<size_t>(n);
  nccl_check(ncclGroupStart(), "ncclGroupStart");
  for (int i = 0; i < n; ++i) {
    const auto u = static_cast<size_t>(i);
    void* s = r.send[u].get();
    void* d = r.recv[u].get();
    switch (op) {
      case CollectiveOp::kAllReduce:
        nccl_check(ncclAllReduce(s, d, elems, ncclBfloat16, ncclSum, r.comms[u], r.streams[u]), "ncclAllReduce");
        break;
      case CollectiveOp::kAllGather:
        nccl_check(ncclAllGather(s, d, chunk, ncclBfloat16, r.comms[u], r.streams[u]), "ncclAllGather");
        break;
      case CollectiveOp::kReduceScatter:
        nccl_check(ncclReduceScatter(s, d, chunk, ncclBfloat16, ncclSum, r.comms[u], r.streams[u]), "ncclReduceScatter");
        break;
      case CollectiveOp::kAllToAll:
        // All-to-all as grouped point-to-point calls, as nccl-tests' alltoall does.
        for (int p = 0; p < n; ++p) {
          const size_t off = static_cast<size_t>(p) * chunk * 2;
          nccl_check(ncclSend(static_cast<char*>(s) + off, chunk, ncclBfloat16, p, r.comms[u], r.streams[u]), "ncclSend");
          nccl_check(ncclRecv(static_cast<char*>(d) + off, chunk, ncclBfloat16, p, r.comms[u], r.streams[u]), "ncclRecv");
        }
        break;
      case CollectiveOp::kSendRecv:
        if (i == 0) nccl_check(ncclSend(s, elems, ncclBfloat16, 1, r.comms[u], r.streams[u]), "ncclSend");
        if (i == 1) nccl_check(ncclRecv(d, elems, ncclBfloat16, 0, r.comms[u], r.streams[u]), "ncclRecv");
        break;
      default: throw std::invalid_argument("unsupported collective");
    }
  }
  nccl_check(ncclGroupEnd(), "ncclGroupEnd");
}

float bf16_at(const DeviceBuffer& b, size_t elem) {
  uint16_t bits = 0;
  STRATUM_CUDA_CHECK(cudaMemcpy(&bits, static_cast<const char*>(b.get()) + elem * 2, 2, cudaMemcpyDeviceToHost));
  const uint32_t f = uint32_t{bits} << 16;
  float v = 0;
  std::memcpy(&v, &f, sizeof(v));
  return v;
}

// Every rank sends the constant rank + 1. Reductions must then hold n (n + 1) / 2 (exact in
// BF16 for n <= 15); data movement must hold the sender's constant in each received chunk.
// Checks the first and last element of each rank's output region.
std::string verify(CollectiveOp op, size_t bytes, Ranks& r) {
  const int n = static_cast<int>(r.devices.size());
  const size_t elems = bytes / 2, chunk = elems / static_cast<size_t>(n);
  for (int i = 0; i < n; ++i) {
    STRATUM_CUDA_CHECK(cudaSetDevice(r.devices[static_cast<size_t>(i)]));
    fill_constant(r.send[static_cast<size_t>(i)].get(), static_cast<int64_t>(elems), scenarios::Precision::kBf16,
                  static_cast<float>(i + 1), r.streams[static_cast<size_t>(i)]);
    STRATUM_CUDA_CHECK(cudaMemsetAsync(r.recv[static_cast<size_t>(i)].get(), 0, bytes, r.streams[static_cast<size_t>(i)]));
  }
  enqueue(op, bytes, r);
  for (int i = 0; i < n; ++i) {
    STRATUM_CUDA_CHECK(cudaSetDevice(r.devices[static_cast<size_t>(i)]));
    STRATUM_CUDA_CHECK(cudaStreamSynchronize(r.streams[static_cast<size_t>(i)]));
  }
  const float sum = static_cast<float>(n * (n + 1) / 2);
  auto expect = [&](int rank, size_t elem, float want) -> std::string {
    STRATUM_CUDA_CHECK(cudaSetDevice(r.devices[static_cast<size_t>(rank)]));
    const float got = bf16_at(r.recv[static_cast<size_t>(rank)], elem);
    if (got == want) return {};
    return "rank " + std::to_string(rank) + " element " + std::to_string(elem) + ": got " + std::to_string(got) +
           ", expected " + std::to_string(want);
  };
  for (int i = 0; i < n; ++i) {
    std::string e;
    switch (op) {
      case CollectiveOp::kAllReduce:
        e = expect(i, 0, sum);
        if (e.empty()) e = expect(i, elems - 1, sum);
        break;
      case CollectiveOp::kReduceScatter:
        e = expect(i, 0, sum);
        if (e.empty()) e = expect(i, chunk - 1, sum);
        break;
      case CollectiveOp::kAllGather:
      case CollectiveOp::kAllToAll:
        for (int p = 0; p < n && e.empty(); ++p) {
          e = expect(i, static_cast<size_t>(p) * chunk, static_cast<float>(p + 1));
          if (e.empty()) e = expect(i, static_cast<size_t>(p + 1) * chunk - 1, static_cast<float>(p + 1));
        }
        break;
      case CollectiveOp::kSendRecv:
        if (i == 1) {
          e = expect(1, 0, 1.0f);
          if (e.empty()) e = expect(1, elems - 1, 1.0f);
        }
        break;
      default: break;
    }
    if (!e.empty()) return e;
  }
  return {};
}

}  // namespace

void run_collective_sweep(const std::vector<double>& sizes, SweepContext& ctx, std::vector<scenarios::CollectiveSample>& out) {
  std::string why;
  const int gpus = cuda_device_count(&why);
  if (gpus == 0) throw std::runtime_error("collectives: " + why);
  if (gpus == 1) {
    ctx.log->notes.push_back(
        "collectives: one GPU, so only the 1-rank case was measured; multi-GPU collectives must be fitted from "
        "published nccl-tests figures");
  }
  double largest = 0;
  for (double s : sizes) largest = std::max(largest, s);
  // NCCL's algorithm choice is internal; it is known only when forced through NCCL_ALGO.
  const char* forced = std::getenv("NCCL_ALGO");
  const std::string algorithm = forced != nullptr ? forced : "";
  const std::vector<CollectiveOp> ops = {CollectiveOp::kAllReduce, CollectiveOp::kAllGather, CollectiveOp::kReduceScatter,
                                         CollectiveOp::kAllToAll, CollectiveOp::kSendRecv};
  size_t total = 0, done = 0;
  for (int n = 1; n <= gpus; ++n) total += sizes.size() * (n == 2 ? ops.size() : ops.size() - 1);
  for (int n = 1; n <= gpus; ++n) {
    Ranks ranks(n, static_cast<size_t>(largest));
    for (const auto op : ops) {
      if (op == CollectiveOp::kSendRecv && n != 2) continue;  // a pair is measured once, at 2 ranks
      for (double size : sizes) {
        ctx.log->progress("collectives", ++done, total);
        // Round down to whole BF16 elements per rank so every rank's chunk is equal.
        const size_t unit = 2 * static_cast<size_t>(n);
        const size_t bytes = static_cast<size_t>(size) / unit * unit;
        const std::string name = std::string(scenarios::to_string(op)) + " " + std::to_string(bytes) + " B on " +
                                 std::to_string(n) + " GPU(s)";
        if (bytes == 0) continue;
        try {
          if (const std::string e = verify(op, bytes, ranks); !e.empty()) {
            ctx.log->failures.push_back(name + ": " + e);
            continue;
          }
          scenarios::CollectiveSample s;
          s.op = op;
          s.bytes = static_cast<double>(bytes);
          s.ranks = n;
          s.algorithm = algorithm;
          s.timing = time_across_devices(ranks.devices, ranks.streams, ctx.timing, [&] { enqueue(op, bytes, ranks); });
          out.push_back(s);
        } catch (const std::runtime_error& e) {
          // An NCCL refusal (e.g. a send to self on one rank) leaves the case out, not the sweep.
          ctx.log->notes.push_back(name + ": " + e.what());
        }
      }
    }
  }
  STRATUM_CUDA_CHECK(cudaSetDevice(ctx.device));
}

}  // namespace stratum::kernels
