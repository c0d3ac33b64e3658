#pragma once
// A validated scenario as plain structs with SI units. Protobuf never leaves scenarios/;
// everything downstream (calibration, policies, sim) sees only these types.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stratum/scenarios/autoscaler.hpp"
#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/dynamics.hpp"
#include "stratum/scenarios/hardware.hpp"
#include "stratum/scenarios/model.hpp"
#include "stratum/scenarios/storage.hpp"
#include "stratum/scenarios/training_software.hpp"

namespace stratum::scenarios {

// Numeric formats of weights / activations / KV cache.
enum class Precision { kBf16, kFp16, kFp8, kInt8, kInt4 };
const char* to_string(Precision p);
double bytes_per_element(Precision p);

enum class IntraConnect { kNvswitch, kPcie };

// Network adapters of a node: one per GPU (DGX / HGX style, each GPU's NIC behind its PCIe switch)
// or a few per node shared by its GPUs.
enum class NicPlacement { kPerGpu, kPerNode };

struct NicSpec {
  NicPlacement placement = NicPlacement::kPerGpu;
  int count = 0;          // per node; kPerGpu: gpus_per_node. 0 = no NIC (a node without fabric)
  double bandwidth = 0;   // bytes/s per direction per NIC (400 Gb/s NDR = 50e9)
  double latency = 0;     // seconds, GPU to NIC (PCIe) hop
};

struct NodeGroup {
  std::string id;
  int count = 1;           // number of identical nodes
  GpuSpec gpu;
  int gpus_per_node = 1;
  IntraConnect intra = IntraConnect::kNvswitch;
  double intra_bandwidth = 0;  // bytes/s per GPU per direction (defaults from the GPU entry)
  double intra_latency = 0;    // seconds per transfer
  NicSpec nics;
};

// How nodes are joined. Every tier's link bandwidth and latency come from the scenario.
enum class FabricKind { kNone, kFatTree, kRailOptimized, kMultiPod };

struct FabricTier {
  double bandwidth = 0;  // bytes/s per link per direction
  double latency = 0;    // seconds per link traversal (cable + switch hop)
};

struct FabricSpec {
  FabricKind kind = FabricKind::kNone;
  // Fat-tree (k-ary, Al-Fares et al. SIGCOMM 2008 for the full-bisection case): `levels` 2 or 3,
  // switches of `radix` ports. Leaf switches give radix / (1 + 1/oversubscription) ports down
  // and the rest up, so oversubscription 2 means twice as much bandwidth down as up.
  int levels = 2;
  int radix = 64;
  double oversubscription = 1.0;  // leaf down:up bandwidth ratio, >= 1
  // Rail-optimised leaf-spine: NIC i of every node joins rail switch i; spines join the rails.
  int spines = 0;                 // 0 = as many as needed for full bisection
  // Multi-pod: pods of `pod_gpus` GPUs with full bisection inside (a fat-tree each), joined by a
  // core tier oversubscribed `pod_oversubscription`:1 (Llama 3: 3,072-GPU pods, 1:7 above).
  int pod_gpus = 0;
  double pod_oversubscription = 1.0;
  // Links by tier, from the NIC upwards: [0] NIC-leaf, [1] leaf-spine, [2] spine-core.
  std::vector<FabricTier> tiers;
};

struct ClusterSpec {
  std::vector<NodeGroup> nodes;
  FabricSpec fabric;
  StorageSpec storage;                // cluster.storage (storage.hpp); no tiers when absent
  std::optional<MarketSpec> market;   // cluster.market; unset: no cost or energy accounting
  std::optional<SpotSpec> spot;          // cluster.spot (dynamics.hpp)
  std::optional<FailureSpec> failures;   // cluster.failures (dynamics.hpp)
};

// How communication is simulated (DESIGN.md section 4): `flow` decomposes collectives into the
// point-to-point transfers of the NCCL algorithm on the simulated fabric, so contention shows;
// `analytic` evaluates the same decomposition in closed form (alpha-beta per step), for scale.
enum class CommFidelity { kFlow, kAnalytic };

enum class CollectiveOp { kAllReduce, kAllGather, kReduceScatter, kAllToAll, kBroadcast, kSendRecv };
const char* to_string(CollectiveOp op);

// NCCL's algorithms: ring, (double binary) tree, and hierarchical (intra-node, then inter-node,
// then intra-node). kAuto picks what NCCL would for the size and rank count.
enum class CollectiveAlgorithm { kRing, kTree, kHierarchical, kAuto };
const char* to_string(CollectiveAlgorithm algorithm);

// A collectives workload, like nccl-tests in simulation: every op x size x rank count x algorithm
// runs alone on an idle cluster, one after another, and collectives.csv gets a row each.
struct CollectivesSpec {
  std::vector<CollectiveOp> ops;
  double min_bytes = 0;
  double max_bytes = 0;
  double step_factor = 2;           // sizes min, min x f, ... up to max (nccl-tests -b -e -f)
  std::vector<int> ranks;           // rank counts; ranks are the first n GPUs, node-major
  std::vector<CollectiveAlgorithm> algorithms;
  int concurrent_groups = 1;        // run this many disjoint groups at once (contention between them)
};

// What a serving instance does with a request: all of it, or one phase of a disaggregated
// deployment (DistServe, Zhong et al. OSDI 2024; Splitwise, Patel et al. ISCA 2024).
enum class ReplicaRole { kColocated, kPrefill, kDecode };
const char* to_string(ReplicaRole role);

// A group of identical serving instances (serving.replica, repeated).
struct ReplicaSpec {
  int tensor_parallel = 1;    // GPUs per pipeline stage
  int pipeline_parallel = 1;  // stages per instance, layers / pipeline_parallel each
  int expert_parallel = 1;    // ranks of a stage over which MoE experts are split (divides tensor_parallel)
  int count = 1;              // instances in the group
  std::string nodes;          // cluster node group id; empty: any group, in scenario order
  ReplicaRole role = ReplicaRole::kColocated;
  int gpus() const { return tensor_parallel * pipeline_parallel; }
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
  // Automatic prefix caching (vLLM enable_prefix_caching; policies/prefix_cache.hpp). Off by
  // default so that results without it stay as they were (vLLM v1 turns it on by default).
  bool prefix_caching = false;
  // Static batching (FasterTransformer-style): fixed batch, run to completion.
  int static_batch_size = 8;
  double static_batch_timeout_s = 0.1;   // wait at most this long to fill a batch
};

// How the router spreads requests over the serving instances (issue 6; policies/routing.hpp).
enum class RouterKind { kRoundRobin, kLeastOutstanding, kLeastKvLoad, kPowerOfTwo, kPrefixAware };

struct RouterSpec {
  RouterKind kind = RouterKind::kLeastOutstanding;  // Stratum's routing before routers were selectable
  // prefix_aware: prefix block hashes the router remembers per instance. Assumption, no published
  // default: 1,024 blocks of 512 tokens (Mooncake's block) is about 0.5 M tokens, the order of one
  // H100's KV cache for Llama-3.1-8B at 0.9 memory use (56 GB / 128 KiB per token ~ 0.43 M tokens);
  // set it to the deployment's cache size. Calibration (issue 5) or modelled prefix caching replaces it.
  int64_t prefix_blocks_per_instance = 1024;
};

enum class LengthKind { kFixed, kUniform, kLognormal, kFromTrace };

struct LengthDistribution {
  LengthKind kind = LengthKind::kFixed;
  int64_t value = 0;                 // fixed
  int64_t min = 0, max = 0;          // uniform, also clamps lognormal
  double mean = 0, stddev = 0;       // lognormal: of the tokens themselves, not of log
};

enum class WorkloadKind { kTrace, kPoisson, kGamma, kFixedRate };

// A time-varying arrival rate (poisson.rate_profile, gamma.rate_profile): linear between points,
// the first at 0 s, times non-decreasing; repeated every period_s when that is above 0, else the
// last point's rate holds after it. sim/include/stratum/sim/rate_profile.hpp integrates it.
struct RatePointSpec {
  double at_s = 0;
  double rate_per_s = 0;
};
struct RateProfileSpec {
  std::vector<RatePointSpec> points;
  double period_s = 0;  // 0: not repeated
};
enum class TraceFormat { kAzureCsv, kMooncakeJsonl };

struct WorkloadSpec {
  WorkloadKind kind = WorkloadKind::kTrace;
  // Trace replay.
  std::string trace_path;       // resolved, absolute or relative to the working directory
  TraceFormat trace_format = TraceFormat::kAzureCsv;  // detected from content
  double time_scale = 1.0;      // arrival times are divided by this (2 = twice the rate)
  int64_t repeat = 1;           // copies of the scaled trace played back to back
  // Synthetic arrivals.
  double rate_per_s = 0;        // mean arrival rate
  double cv = 1.0;              // gamma: coefficient of variation of inter-arrival times
  std::optional<RateProfileSpec> rate_profile;  // poisson, gamma: replaces rate_per_s (left 0)
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

// A class of requests (serving.workload.classes): its share of arrivals, its scheduling priority
// (higher first) and, optionally, its own SLO.
struct PriorityClassSpec {
  std::string name = "default";
  double share = 1.0;
  int priority = 0;
  std::optional<SloSpec> slo;  // unset: serving.slo
};

// Admission control at the router (policies/admission.hpp).
enum class AdmissionKind { kNone, kQueueLimit, kSloAware };

struct AdmissionSpec {
  AdmissionKind kind = AdmissionKind::kNone;
  int64_t max_outstanding_per_instance = 0;  // queue_limit
  bool defer = false;                        // slo_aware: on_violation DEFER
  std::optional<double> max_defer_s;         // slo_aware DEFER; unset: the request's TTFT SLO
};

// Speculative decoding (Leviathan et al., ICML 2023). Off unless `enabled`.
struct SpeculativeSpec {
  bool enabled = false;
  ModelSpec draft;              // catalogue entry of the draft model
  int num_tokens = 0;           // k: draft tokens proposed per step
  double acceptance_rate = 0;   // alpha: each draft token accepted i.i.d. with this probability
};

// A KV offload tier below HBM (serving.kv_tiers; policies/kv_tiers.hpp), per serving instance.
enum class KvTierKind { kHostDram, kLocalNvme, kRemotePool };
const char* to_string(KvTierKind kind);

struct KvTierSpec {
  KvTierKind kind = KvTierKind::kHostDram;
  double capacity_bytes = 0;  // per instance
  double bandwidth = 0;       // bytes/s the tier serves one instance
  double latency = 0;         // seconds per reload
};

// Routing of an MoE model's tokens over its experts (serving.moe).
struct MoeSpec {
  double zipf_skew = 0;  // Zipf exponent of expert popularity; 0 = uniform
};

struct ServingSpec {
  ModelSpec model;
  Precision precision = Precision::kBf16;
  // GEMM input format (serving.activations); unset: the precision's default (calibration's
  // plan_precision: FP8 is W8A8, INT8 and INT4 are weight-only with BF16 activations).
  std::optional<Precision> activations;
  MoeSpec moe;
  // Replica groups in scenario order; never empty after loading (one instance of one GPU when the
  // scenario names none).
  std::vector<ReplicaSpec> replicas{ReplicaSpec{}};
  SchedulerSpec scheduler;
  RouterSpec router;
  WorkloadSpec workload;
  SloSpec slo;
  // serving.workload.classes; empty: one class, priority 0, serving.slo (results as before classes).
  std::vector<PriorityClassSpec> classes;
  AdmissionSpec admission;
  SpeculativeSpec speculative;
  // KV offload tiers below HBM, nearest first; empty: none. Needs scheduler.prefix_caching.
  std::vector<KvTierSpec> kv_tiers;
  // Autoscaling (serving.autoscaler; kind kNone: every instance runs from the start) and how an
  // instance starts and loses its requests (issue 8).
  AutoscalerSpec autoscaler;
  ReplicaLifecycleSpec lifecycle;

  // True when prefill and decode run on separate instances (replica groups with roles).
  bool disaggregated() const {
    for (const ReplicaSpec& r : replicas) {
      if (r.role != ReplicaRole::kColocated) return true;
    }
    return false;
  }
  int64_t instance_count() const {
    int64_t n = 0;
    for (const ReplicaSpec& r : replicas) n += r.count;
    return n;
  }
};

struct OutputSpec {
  std::string dir;                   // empty: results/<scenario-stem>/
  bool trace = false;                // write trace.json (Chrome Trace Event format)
  double timeseries_interval_s = 10; // sampling interval of timeseries.csv
};

struct Profile;  // profile.hpp, included at the end of this file

// A training workload as the scenario file states it (scenario.proto, message Training; issue 7),
// read and range-checked by scenarios/src/training_loader.cpp. Whether the layout suits the model
// and the cluster is checked where the calibration models are known (sim/src/training_run.cpp,
// check_training, with calibration::validate_layout).
enum class TrainingRecompute { kNone, kSelective, kFull };
enum class TrainingSchedule { kGpipe, kOneFOneB, kInterleaved };
// training.layout.rank_order: Megatron-LM's default tp-cp-ep-dp-pp, or tp-cp-ep-pp-dp
// (--use-tp-pp-dp-mapping; the Llama 3 paper's [TP, CP, PP, DP]).
enum class RankOrder { kTpCpEpDpPp, kTpCpEpPpDp };
const char* to_string(RankOrder order);
struct TrainingSpec {
  ModelSpec model;
  Precision precision = Precision::kBf16;  // Megatron-LM --bf16
  int dp = 1, tp = 1, pp = 1, cp = 1, ep = 1;
  int virtual_stages = 1;
  bool sequence_parallel = false;
  int zero_stage = 0;
  TrainingRecompute recompute = TrainingRecompute::kNone;
  TrainingSchedule schedule = TrainingSchedule::kOneFOneB;
  RankOrder rank_order = RankOrder::kTpCpEpDpPp;
  // Uneven pipeline split (training.layout.first_stage_layers ...; calibration/stage_layers.hpp):
  // -1 = not set.
  int64_t first_stage_layers = -1, last_stage_layers = -1;
  bool account_for_embedding = false, account_for_loss = false;
  bool dropout = true;  // training.layout.dropout: dropout masks kept (calibration TrainingMemoryOptions)
  int64_t micro_batch = 1;
  int64_t global_batch = 1;
  int64_t seq_len = 2048;  // Narayanan et al. SC'21 section 5.1
  int64_t steps = 1;
  TrainingSoftware software;                 // training.software (training_software.hpp)
  std::optional<CheckpointSpec> checkpoint;  // training.checkpoint (dynamics.hpp)
  bool elastic = false;                      // training.elastic
  double duration_s = 0;                     // training.duration; 0 = no limit
};

struct Scenario {
  std::string name;
  std::string file;      // path it was loaded from
  uint64_t seed = 1;
  ClusterSpec cluster;
  CommFidelity fidelity = CommFidelity::kFlow;
  std::optional<ServingSpec> serving;
  std::optional<CollectivesSpec> collectives;
  std::optional<TrainingSpec> training;
  OutputSpec output;
  // Calibration profiles, at most one per GPU id: the scenario's own (its `profile` fields, in
  // order) first, then the built-in profile (builtin_profiles()) of each cluster GPU without one.
  // A GPU with neither is costed by the roofline model.
  std::vector<Profile> profiles;
  // Source location of every field that was set, by dotted path ("serving.replica.tensor_parallel"),
  // so that checks made outside scenarios/ (memory fit, ...) can point at the field.
  std::map<std::string, SourceLocation> locations;

  // Location of `path`, or of its nearest set ancestor, or of the file itself.
  SourceLocation where(const std::string& path) const;
};

}  // namespace stratum::scenarios

// Profile's samples use Precision and CollectiveOp from this file, so profile.hpp includes this
// one; Scenario holds Profiles, so this one includes profile.hpp once they are declared. Either
// order of inclusion leaves both complete before any use of Scenario's members.
#include "stratum/scenarios/profile.hpp"  // IWYU pragma: export
