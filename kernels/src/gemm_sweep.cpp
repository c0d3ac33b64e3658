#include <algorithm>
#include <string>

#include "stratum/kernels/cublaslt_gemm.hpp"
#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/reference.hpp"
#include "stratum/kernels/sweeps.hpp"

namespace stratum::kernels {
namespace {

std::string describe(const GemmShape& s, scenarios::Precision dtype) {
  return std::string("GEMM ") + scenarios::to_string(dtype) + " m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) +
         " k=" + std::to_string(s.k) + " groups=" + std::to_string(s.groups);
}

// Sampled outputs per GEMM check: enough that a wrong layout or a broken tile shows in every
// case (it corrupts far more than 1 in 1,024 outputs), cheap even at k = 53,248.
constexpr int64_t kGemmCheckSamples = 1024;

}  // namespace

void run_gemm_sweep(const std::vector<GemmShape>& shapes, const std::vector<scenarios::Precision>& dtypes,
                    SweepContext& ctx, std::vector<scenarios::GemmSample>& out) {
  // One allocation per operand, sized for the largest case and filled once per precision: any
  // prefix of uniform random data is uniform random data.
  size_t x_elems = 0, w_elems = 0, y_elems = 0;
  for (const auto& s : shapes) {
    x_elems = std::max(x_elems, static_cast<size_t>(s.groups * s.m * s.k));
    w_elems = std::max(w_elems, static_cast<size_t>(s.groups * s.n * s.k));
    y_elems = std::max(y_elems, static_cast<size_t>(s.groups * s.m * s.n));
  }
  DeviceBuffer x(x_elems * 2), w(w_elems * 2), y(y_elems * 2);
  CublasLtGemm gemm;
  EventTimer timer(ctx.timing);
  const size_t total = shapes.size() * dtypes.size();
  size_t done = 0;
  for (const auto dtype : dtypes) {
    if (dtype == scenarios::Precision::kFp8 && !ctx.caps.fp8()) {
      ctx.log->notes.push_back(std::string("FP8 GEMMs skipped: ") + ctx.caps.name + " (compute capability " +
                               std::to_string(ctx.caps.cc_major) + "." + std::to_string(ctx.caps.cc_minor) +
                               ") has no FP8 tensor cores");
      done += shapes.size();
      continue;
    }
    fill_random(x.get(), static_cast<int64_t>(x_elems), dtype, 1, 1.0f, ctx.stream);
    fill_random(w.get(), static_cast<int64_t>(w_elems), dtype, 2, 1.0f, ctx.stream);
    for (const auto& s : shapes) {
      ctx.log->progress("gemm", ++done, total);
      std::string why;
      if (!gemm.plan({s.m, s.n, s.k, s.groups, dtype}, &why)) {
        ctx.log->notes.push_back(describe(s, dtype) + ": " + why);
        continue;
      }
      gemm.run(x.get(), w.get(), y.get(), ctx.stream);
      const CheckResult check = check_gemm(gemm.problem(), x.get(), w.get(), y.get(), kGemmCheckSamples, done, ctx.stream);
      if (!check.ok()) {
        ctx.log->failures.push_back(describe(s, dtype) + ": " + check.summary());
        continue;
      }
      scenarios::GemmSample sample;
      sample.m = s.m;
      sample.n = s.n;
      sample.k = s.k;
      sample.groups = s.groups;
      sample.dtype = dtype;
      sample.timing = timer.time(ctx.stream, [&] { gemm.run(x.get(), w.get(), y.get(), ctx.stream); });
      out.push_back(sample);
    }
  }
}

}  // namespace stratum::kernels
