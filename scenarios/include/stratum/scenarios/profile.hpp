#pragma once
// A calibration profile: kernel timings measured on one GPU by `stratum-calibrate` (kernels/),
// stored as protobuf text in calibration/profiles/<gpu>.pbtxt and read by calibration/'s profile
// cost model. Plain structs, SI units (seconds, bytes); the text format lives in scenarios/.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios {

// Robust summary of repeated timings of one case (CUDA events, after warm-up).
struct Timing {
  double median_s = 0;
  double p10_s = 0;
  double p90_s = 0;
  int repetitions = 0;
};

struct GemmSample {  // C[m,n] = A[m,k] B[k,n]
  int64_t m = 0, n = 0, k = 0;
  Precision dtype = Precision::kBf16;
  int64_t groups = 1;  // > 1: grouped GEMM (MoE experts), each group m x n x k
  Timing timing;
};

struct AttentionPrefillSample {  // causal, `batch` sequences of `new_tokens` after `context_before`
  int64_t batch = 1, new_tokens = 0, context_before = 0;
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
  Precision dtype = Precision::kBf16;
  Timing timing;
};

struct AttentionDecodeSample {  // paged, one query token per sequence over `context` cached tokens
  int64_t batch = 1, context = 0;
  int64_t heads = 0, kv_heads = 0, head_dim = 0, block_size = 16;
  Precision dtype = Precision::kBf16;
  Timing timing;
};

struct CollectiveSample {
  CollectiveOp op = CollectiveOp::kAllReduce;
  double bytes = 0;
  int ranks = 0;
  std::string algorithm;  // NCCL's choice ("ring", "tree", "nvls", ...) when known
  Timing timing;
};

enum class CopyDirection { kHostToDevice, kDeviceToHost, kDeviceToDevice };
// The schema's own names (profile.proto): "HOST_TO_DEVICE", "DEVICE_TO_HOST", "DEVICE_TO_DEVICE".
const char* to_string(CopyDirection direction);

struct CopySample {
  CopyDirection direction = CopyDirection::kHostToDevice;
  bool pinned = true;  // host memory page-locked (pinned) or pageable
  double bytes = 0;
  Timing timing;
};

// End-to-end time of one real transformer layer built from the profiled kernels: the ground
// truth the simulator's composition must predict.
struct LayerSample {
  std::string model;   // catalogue id whose dimensions were used
  bool prefill = true; // prefill of `tokens` per sequence, or one decode step over `context`
  int64_t batch = 1, tokens = 0, context = 0;
  Precision dtype = Precision::kBf16;
  Timing timing;
};

struct ProfileHeader {
  std::string gpu_id;       // catalogue id the profile calibrates, e.g. "h100-sxm5-80gb"
  std::string gpu_name;     // as the driver reports it
  std::string driver_version, cuda_version, nccl_version;
  double sm_clock_mhz = 0, memory_clock_mhz = 0, power_limit_w = 0;
  std::string date;         // ISO 8601, UTC
  std::string tool;         // "stratum-calibrate <version>", or how the figures were obtained
  std::string notes;        // e.g. "collectives fitted from published nccl-tests figures"
};

struct Profile {
  ProfileHeader header;
  std::vector<GemmSample> gemm;
  std::vector<AttentionPrefillSample> attention_prefill;
  std::vector<AttentionDecodeSample> attention_decode;
  std::vector<CollectiveSample> collectives;
  std::vector<CopySample> copies;
  std::vector<LayerSample> layers;
};

// Protobuf text of a profile (what stratum-calibrate writes); read back by load_profile.
// Fields print in the schema's order, quantities with units (format_quantity: "12.5 us", "32 MiB")
// that read back within 1e-15 relative; header figures that are 0 (unknown) and empty strings are
// left out and read back as 0 / empty.
std::string format_profile(const Profile& profile);

// Reads a profile file (schema scenarios/proto/stratum/profile.proto). Returns the profile when it
// is valid; otherwise nullopt with every syntax and semantic problem in `diags`, located
// file:line:col. gpu_id and layer models are looked up in `catalog` (the built-in one without it).
std::optional<Profile> load_profile(const std::string& file, Diagnostics& diags);
std::optional<Profile> load_profile(const std::string& file, const Catalog& catalog, Diagnostics& diags);
// The same for text already in memory; errors are reported against `file_label`.
std::optional<Profile> parse_profile(std::string_view text, const std::string& file_label, const Catalog& catalog,
                                     Diagnostics& diags);

// A profile's text compiled into the binary, and the path it came from (for messages).
struct EmbeddedProfile {
  std::string_view file;
  std::string_view text;
};

// Parses embedded profiles against `catalog`. They were checked in with the source, so any error
// (or two profiles for one GPU) is a build defect: prints every error to stderr and aborts.
std::vector<Profile> parse_embedded_profiles(std::span<const EmbeddedProfile> files, const Catalog& catalog);

// Every calibration/profiles/*.pbtxt of the source tree, embedded at build time and parsed on
// first use (against Catalog::builtin()); empty until a profile has been measured and checked in.
const std::vector<Profile>& builtin_profiles();

// The profile of `gpu_id` in `profiles`, or nullptr.
const Profile* find_profile(const std::vector<Profile>& profiles, std::string_view gpu_id);

}  // namespace stratum::scenarios
