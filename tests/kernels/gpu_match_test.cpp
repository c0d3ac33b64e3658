#include "stratum/kernels/gpu_match.hpp"

#include <gtest/gtest.h>

#include "stratum/scenarios/catalog.hpp"

namespace stratum::kernels {
namespace {

std::string match(const std::string& name) { return match_gpu_id(name, scenarios::Catalog::builtin().gpus()); }

TEST(GpuMatch, DriverNamesMapToCatalogueIds) {
  // Names as cudaGetDeviceProperties / nvidia-smi report them.
  EXPECT_EQ(match("NVIDIA H100 80GB HBM3"), "h100-sxm5-80gb");
  EXPECT_EQ(match("NVIDIA H200"), "h200-sxm-141gb");
  EXPECT_EQ(match("NVIDIA A100-SXM4-80GB"), "a100-sxm4-80gb");
  EXPECT_EQ(match("NVIDIA GeForce RTX 4090"), "rtx-4090-24gb");
  EXPECT_EQ(match("NVIDIA L40S"), "l40s-48gb");
  EXPECT_EQ(match("NVIDIA A30"), "a30-24gb");
}

TEST(GpuMatch, DifferentBoardsOrMemoryDoNotMatch) {
  EXPECT_EQ(match("NVIDIA H100 PCIe"), "");     // PCIe board, catalogue has the SXM module
  EXPECT_EQ(match("NVIDIA H100 NVL"), "");      // PCIe board too
  EXPECT_EQ(match("NVIDIA A100-SXM4-40GB"), "");  // other memory size
  EXPECT_EQ(match("NVIDIA T4"), "");
  EXPECT_EQ(match(""), "");
}

}  // namespace
}  // namespace stratum::kernels
