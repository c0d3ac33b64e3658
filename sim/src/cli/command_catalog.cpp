// `stratum catalog [gpus|models]`: the built-in catalogue as aligned tables.
#include <cstdio>

#include "commands.hpp"
#include "stratum/scenarios/catalog.hpp"

namespace stratum::cli {
namespace {

void print_gpus(const scenarios::Catalog& catalog) {
  std::printf("%-22s %9s %10s %11s %11s %10s %7s  %s\n", "gpu", "memory", "HBM TB/s", "BF16 TFLOP", "FP8 TFLOP",
              "NVLink GB/s", "TDP W", "source");
  for (const auto& g : catalog.gpus()) {
    std::printf("%-22s %6.0f GB %10.3f %11.0f %11.0f %10.0f %7.0f  %s%s\n", g.id.c_str(), g.memory_bytes / 1e9,
                g.memory_bandwidth / 1e12, g.peak_bf16_flops / 1e12, g.peak_fp8_flops / 1e12, g.nvlink_bandwidth / 1e9,
                g.tdp_watts, g.source.c_str(), g.secondary_source ? " (secondary)" : "");
  }
}

void print_models(const scenarios::Catalog& catalog) {
  std::printf("%-16s %9s %6s %6s %6s %8s %6s %7s %8s %8s  %s\n", "model", "params", "layers", "hidden", "heads",
              "kv_heads", "ffn", "vocab", "experts", "context", "source");
  for (const auto& m : catalog.models()) {
    std::printf("%-16s %8.1fB %6lld %6lld %6lld %8lld %6lld %7lld %8lld %8lld  %s\n", m.id.c_str(), m.params / 1e9,
                static_cast<long long>(m.layers), static_cast<long long>(m.hidden), static_cast<long long>(m.heads),
                static_cast<long long>(m.kv_heads), static_cast<long long>(m.ffn_hidden),
                static_cast<long long>(m.vocab), static_cast<long long>(m.experts),
                static_cast<long long>(m.max_context), m.source.c_str());
  }
}

}  // namespace

int run_catalog(const Options& options) {
  const auto& catalog = scenarios::Catalog::builtin();
  if (options.catalog_section.empty() || options.catalog_section == "gpus") print_gpus(catalog);
  if (options.catalog_section.empty()) std::printf("\n");
  if (options.catalog_section.empty() || options.catalog_section == "models") print_models(catalog);
  return kExitOk;
}

}  // namespace stratum::cli
