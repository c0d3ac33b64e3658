#pragma once
// Published link figures the node builders and their tests rely on, with the interpretation used.
// Bandwidths are per direction: a full-duplex link moves that much each way at once.
namespace stratum::topology::defaults {

// NVLink 4 (H100 SXM5): the H100 datasheet says "NVLink: 900GB/s". The NVIDIA H100 Tensor Core
// GPU Architecture whitepaper explains it as 18 fourth-generation links at 50 GB/s each, counting
// both directions, "7X the bandwidth of PCIe Gen 5" -- which holds only if PCIe 5 x16 is also
// counted both ways (2 x 64 = 128 GB/s; 900 / 128 = 7.0). So 900 GB/s is the bidirectional total
// and one direction gets 450 GB/s; that per-direction figure is what a link carries here.
inline constexpr double kNvlink4PerGpuPerDirection = 450e9;
// NVLink 3 (A100 SXM4): datasheet "NVLink: 600GB/s", 12 links, same bidirectional convention
// (NVIDIA A100 Tensor Core GPU Architecture whitepaper) -> 300 GB/s per direction.
inline constexpr double kNvlink3PerGpuPerDirection = 300e9;
// PCIe 5.0 x16: 32 GT/s per lane x 16 lanes / 8 bits = 64 GB/s per direction raw (PCI-SIG PCIe
// Base Specification 5.0); 128b/130b encoding leaves 63.0 GB/s, and NVIDIA bandwidthTest reports
// about 55 GB/s host-to-device. The raw figure is the link's capacity; measured efficiency is a
// calibration factor (issue 5), not a link property.
inline constexpr double kPcie5x16PerDirection = 64e9;
// PCIe 4.0 x16: 16 GT/s x 16 / 8 = 32 GB/s per direction raw (PCI-SIG PCIe Base Specification 4.0).
inline constexpr double kPcie4x16PerDirection = 32e9;

// Latency of one GPU-to-GPU (or GPU-to-host) transfer when NodeGroup::intra_latency is 0.
// No datasheet states it. NCCL's own tuning model (NVIDIA/nccl src/graph/tuning.cc, table hwLat,
// Ring/Simple entries; Simple is what that model picks for large messages, as the same file cuts
// LL's bandwidth to a quarter or a third) charges 3.4 us per NVLink step and 5.7 us per PCIe
// step; these are NCCL's assumptions, not measurements. The scenario loader
// fills intra_latency from the same entries, so the two defaults agree. Assumption until
// calibration (issue 5) measures the latency of a peer copy on real GPUs.
inline constexpr double kNvlinkTransferLatency = 3.4e-6;
inline constexpr double kPcieTransferLatency = 5.7e-6;

}  // namespace stratum::topology::defaults
