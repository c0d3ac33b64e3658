#pragma once
// A validated scenario as plain structs with SI units. Protobuf never leaves scenarios/;
// everything downstream (calibration, policies, sim) sees only these types.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/model.hpp"

namespace stratum::scenarios {

// Numeric formats of weights / activations / KV cache.
enum class Precision { kBf16, kFp16, kFp8, kInt8, kInt4 };
const char* to_string(Precision p);
double bytes_per_element(Precision p);

enum class IntraConnect { kNvswitch, kPcie };

struct NodeGroup {
  std::string id;
  int count = 1;           // number of identical nodes
  GpuSpec gpu;
  int gpus_per_node = 1;
  IntraConnect intra = IntraConnect::kNvswitch;
  double intra_bandwidth = 0;  // bytes/s per GPU per direction (defaults from the GPU entry)
  double intra_latency = 0;    // seconds per transfer
};

struct ClusterSpec {
  std::vector<NodeGroup> nodes;
};

struct ReplicaSpec {
  int tensor_parallel = 1;
  int count = 1;  // number of serving instances (each of tensor_parallel GPUs)
};

enum class SchedulerKind { kContinuous, kStatic };

struct SchedulerSpec {
  SchedulerKind kind = SchedulerKind::kContinuous;
  // Continuous batching. max_num_seqs 256, block size 16 and memory share 0.9 are vLLM's defaults
  // (vllm/config.py SchedulerConfig / CacheConfig). vLLM's token budget default depends on its
  // version, entry point and GPU (2,048 to 16,384 in V1); 8,192 is Stratum's choice within that
  // range, so set it explicitly when matching a deployment.
  int max_num_seqs = 256;
  int64_t max_batched_tokens = 8192;
  bool chunked_prefill = false;
  int block_size_tokens = 16;            // PagedAttention block (Kwon et al. SOSP'23, 16 by default)
  double gpu_memory_utilization = 0.9;   // share of HBM vLLM may use (vLLM default 0.9)
  // Static batching (FasterTransformer-style): fixed batch, run to completion.
  int static_batch_size = 8;
  double static_batch_timeout_s = 0.1;   // wait at most this long to fill a batch
};

enum class LengthKind { kFixed, kUniform, kLognormal, kFromTrace };

struct LengthDistribution {
  LengthKind kind = LengthKind::kFixed;
  int64_t value = 0;                 // fixed
  int64_t min = 0, max = 0;          // uniform, also clamps lognormal
  double mean = 0, stddev = 0;       // lognormal: of the tokens themselves, not of log
};

enum class WorkloadKind { kTrace, kPoisson, kGamma, kFixedRate };
enum class TraceFormat { kAzureCsv, kMooncakeJsonl };

struct WorkloadSpec {
  WorkloadKind kind = WorkloadKind::kTrace;
  // Trace replay.
  std::string trace_path;       // resolved, absolute or relative to the working directory
  TraceFormat trace_format = TraceFormat::kAzureCsv;  // detected from content
  double time_scale = 1.0;      // arrival times are divided by this (2 = twice the rate)
  // Synthetic arrivals.
  double rate_per_s = 0;        // mean arrival rate
  double cv = 1.0;              // gamma: coefficient of variation of inter-arrival times
  LengthDistribution input;     // prompt tokens
  LengthDistribution output;    // generated tokens
  // Limits for both: stop after this many requests or this much simulated time (0 = no limit).
  int64_t max_requests = 0;
  double duration_s = 0;
};

// Per-request service-level objective; a request meets the SLO when every set bound holds.
struct SloSpec {
  std::optional<double> ttft_s;
  std::optional<double> tpot_s;
  std::optional<double> e2e_s;
};

struct ServingSpec {
  ModelSpec model;
  Precision precision = Precision::kBf16;
  ReplicaSpec replica;
  SchedulerSpec scheduler;
  WorkloadSpec workload;
  SloSpec slo;
};

struct OutputSpec {
  std::string dir;                   // empty: results/<scenario-stem>/
  bool trace = false;                // write trace.json (Chrome Trace Event format)
  double timeseries_interval_s = 10; // sampling interval of timeseries.csv
};

struct Scenario {
  std::string name;
  std::string file;      // path it was loaded from
  uint64_t seed = 1;
  ClusterSpec cluster;
  std::optional<ServingSpec> serving;
  OutputSpec output;
  // Source location of every field that was set, by dotted path ("serving.replica.tensor_parallel"),
  // so that checks made outside scenarios/ (memory fit, ...) can point at the field.
  std::map<std::string, SourceLocation> locations;

  // Location of `path`, or of its nearest set ancestor, or of the file itself.
  SourceLocation where(const std::string& path) const;
};

}  // namespace stratum::scenarios
