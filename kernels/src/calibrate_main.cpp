// stratum-calibrate: measures this machine's GPU and writes a calibration profile
// (kernels/README.md). Exit status: 0 written, 1 failure (including a failed reference check),
// 2 bad arguments, 3 no GPU.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "stratum/kernels/calibrate_options.hpp"
#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_info.hpp"
#include "stratum/kernels/gpu_match.hpp"
#include "stratum/kernels/shape_grid.hpp"
#include "stratum/kernels/sweeps.hpp"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/profile.hpp"

namespace {

using namespace stratum;

std::vector<scenarios::ModelSpec> catalogue_models(const std::vector<std::string>& ids) {
  std::vector<scenarios::ModelSpec> out;
  for (const auto& id : ids) {
    const auto* m = scenarios::Catalog::builtin().find_model(id);
    if (m == nullptr) throw std::runtime_error("model '" + id + "' is not in the catalogue");
    out.push_back(*m);
  }
  return out;
}

int run(const kernels::CalibrateOptions& opt) {
  std::string why;
  if (kernels::cuda_device_count(&why) == 0) {
    std::fprintf(stderr, "stratum-calibrate: no GPU: %s\n", why.c_str());
    return 3;
  }
  const int device = 0;
  STRATUM_CUDA_CHECK(cudaSetDevice(device));
  scenarios::Profile profile;
  profile.header = kernels::describe_device(device);
  const auto& catalog = scenarios::Catalog::builtin();
  if (!opt.gpu_id.empty()) {
    if (catalog.find_gpu(opt.gpu_id) == nullptr) {
      std::fprintf(stderr, "stratum-calibrate: --gpu-id '%s' is not in the hardware catalogue\n", opt.gpu_id.c_str());
      return 2;
    }
    profile.header.gpu_id = opt.gpu_id;
  } else {
    profile.header.gpu_id = kernels::match_gpu_id(profile.header.gpu_name, catalog.gpus());
    if (profile.header.gpu_id.empty()) {
      std::fprintf(stderr, "stratum-calibrate: '%s' matches no single catalogue GPU; name it with --gpu-id\n",
                   profile.header.gpu_name.c_str());
      return 2;
    }
  }
  std::fprintf(stderr, "stratum-calibrate: %s (%s), CUDA %s, driver %s%s\n", profile.header.gpu_name.c_str(),
               profile.header.gpu_id.c_str(), profile.header.cuda_version.c_str(), profile.header.driver_version.c_str(),
               opt.quick ? ", quick grid" : "");

  cudaStream_t stream = nullptr;
  STRATUM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  kernels::SweepLog log;
  kernels::SweepContext ctx;
  ctx.device = device;
  ctx.caps = kernels::device_caps(device);
  ctx.stream = stream;
  ctx.log = &log;
  const auto models = catalogue_models(kernels::calibration_models(opt.quick));
  const auto tps = kernels::calibration_tensor_parallel(opt.quick);
  size_t free_bytes = 0, total_bytes = 0;
  STRATUM_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  // Attention cases keep each tensor set under a quarter of free memory: the decode check holds
  // a contiguous copy of the KV cache beside the paged one.
  const double attention_budget = static_cast<double>(free_bytes) / 4.0;

  if (opt.gemm) {
    std::vector<scenarios::Precision> dtypes = {scenarios::Precision::kBf16};
    if (!opt.quick) dtypes = {scenarios::Precision::kBf16, scenarios::Precision::kFp16, scenarios::Precision::kFp8};
    kernels::run_gemm_sweep(kernels::gemm_grid(models, tps, opt.quick), dtypes, ctx, profile.gemm);
  }
  if (opt.attention) {
    const auto heads = kernels::attention_head_grid(models, tps, opt.quick);
    kernels::run_prefill_sweep(kernels::prefill_grid(heads, opt.quick, attention_budget), ctx, profile.attention_prefill);
    kernels::run_decode_sweep(kernels::decode_grid(heads, opt.quick, attention_budget), ctx, profile.attention_decode);
  }
  if (opt.collectives) kernels::run_collective_sweep(kernels::collective_sizes(opt.quick), ctx, profile.collectives);
  if (opt.copies) kernels::run_copy_sweep(kernels::copy_sizes(opt.quick), ctx, profile.copies);
  if (opt.layers) kernels::run_layer_sweep(kernels::layer_grid(opt.quick), ctx, profile.layers);
  cudaStreamDestroy(stream);

  for (const auto& n : log.notes) {
    std::fprintf(stderr, "note: %s\n", n.c_str());
    profile.header.notes += "; " + n;
  }
  std::ofstream out(opt.out);
  out << scenarios::format_profile(profile);
  out.close();
  if (!out) {
    std::fprintf(stderr, "stratum-calibrate: cannot write %s\n", opt.out.c_str());
    return 1;
  }
  std::fprintf(stderr, "stratum-calibrate: wrote %s (%zu GEMM, %zu prefill, %zu decode, %zu collective, %zu copy, %zu layer samples)\n",
               opt.out.c_str(), profile.gemm.size(), profile.attention_prefill.size(), profile.attention_decode.size(),
               profile.collectives.size(), profile.copies.size(), profile.layers.size());
  if (!log.failures.empty()) {
    for (const auto& f : log.failures) std::fprintf(stderr, "reference check failed: %s\n", f.c_str());
    std::fprintf(stderr, "stratum-calibrate: %zu reference checks failed; those cases are not in the profile\n",
                 log.failures.size());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto parsed = stratum::kernels::parse_calibrate_options(args);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "stratum-calibrate: %s\n%s", parsed.error.c_str(), stratum::kernels::calibrate_usage().c_str());
    return 2;
  }
  if (parsed.options.help) {
    std::fputs(stratum::kernels::calibrate_usage().c_str(), stdout);
    return 0;
  }
  try {
    return run(parsed.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stratum-calibrate: %s\n", e.what());
    return 1;
  }
}
