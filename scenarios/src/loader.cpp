#include "stratum/scenarios/loader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "checker.hpp"
#include "dynamics_loader.hpp"
#include "moe_quant_loader.hpp"
#include "overrides.hpp"
#include "scenario_profiles.hpp"
#include "autoscaler_loader.hpp"
#include "serving_faults_loader.hpp"
#include "precision_pb.hpp"
#include "prefix_caching_loader.hpp"
#include "rate_profile_loader.hpp"
#include "replica_loader.hpp"
#include "serving_extras.hpp"
#include "storage_loader.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/fabric_capacity.hpp"
#include "stratum/scenarios/suggest.hpp"
#include "stratum/scenarios/trace.hpp"
#include "training_loader.hpp"
#include "text_parse.hpp"

namespace stratum::scenarios {
namespace {

using detail::Checker;

// Sanity bounds: beyond them a value is almost surely a typo or a unit slip. They are
// assumptions (no published limit applies), each far above any real deployment:
constexpr int64_t kMaxNodes = 100000;           // 800k GPUs at 8 per node; Llama 3 used 16,384 GPUs
constexpr int64_t kMaxGpusPerNode = 72;         // GB200 NVL72: 72 GPUs in one NVLink domain (NVIDIA GB200 NVL72 datasheet)
// 10^7 prefix blocks of 512 tokens are 5 * 10^9 tokens, far beyond any instance's KV cache
// (an 8 x H200 node holds about 10^7 tokens of Llama-3.1-8B); it also bounds router memory.
constexpr int64_t kMaxRouterBlocks = 10000000;
constexpr int64_t kMaxBatch = 65536;            // sequences or requests in one batch
constexpr int64_t kMaxBatchedTokens = 1 << 24;  // tokens in one iteration
constexpr int64_t kMaxRequests = 1000000000;
constexpr int64_t kMaxTokensNoModel = 1 << 30;  // length bound when the model is unknown
constexpr double kMaxBandwidth = 1e15;          // 1 PB/s, over 500x NVLink 5's 1.8 TB/s per GPU (NVIDIA GB200 datasheet)
constexpr double kMaxLatency = 1.0;             // one intra-node transfer
constexpr double kMaxTime = 366.0 * 86400;      // one year of simulated time; Llama 3 pre-training took 54 days
constexpr double kMaxRate = 1e6;                // requests per second
constexpr double kMaxTimeScale = 1e6;
constexpr int64_t kMaxTraceRepeat = 10000;      // 10,000 hours of a one-hour trace
constexpr double kMaxCv = 100;

// Per-hop latencies NCCL assumes for the Simple protocol on a ring (NVIDIA NCCL
// src/graph/tuning.cc, hwLat: NVLink 3.4 us, PCI 5.7 us). They are NCCL's tuning constants, not
// measurements; calibration (issue 5) replaces them.
constexpr double kNvlinkLatency = 3.4e-6;
constexpr double kPcieLatency = 5.7e-6;

// Network defaults. DGX H100 joins its eight GPUs to the compute fabric through eight single-port
// ConnectX-7 adapters of 400 Gb/s (InfiniBand NDR or 400 GbE), one per GPU (NVIDIA DGX H100 user
// guide, "Hardware Overview"). PCIe-only servers have no such reference design: one 400 Gb/s NIC
// per node for them is an assumption; set nics to match a deployment.
constexpr double kNicBandwidth = 400e9 / 8;  // 400 Gb/s in bytes/s
// GPU-to-NIC latency: half of the 14 us NCCL assumes per network hop for the Simple protocol
// (NVIDIA NCCL src/graph/tuning.cc, hwLat[NET] ring Simple), one half at each end, so that one
// NIC-to-NIC hop costs NCCL's figure before switch tiers. An assumption built on a tuning
// constant, not a measurement; calibration (issue 5) replaces it.
constexpr double kNicLatency = 14e-6 / 2;
constexpr int64_t kMaxNicsPerNode = 64;  // assumption: a DGX H100 has 8 compute + 2 storage NICs
// Switch ports. 64 is the NVIDIA Quantum-2 QM9700 (64 ports of 400 Gb/s NDR, its datasheet), the
// FabricSpec default. 1024 is a sanity bound (assumption), far above any single switch.
constexpr int64_t kMinRadix = 4;
constexpr int64_t kMaxRadix = 1024;
// Collectives sweep bounds: assumptions that catch unit slips and runaway sweeps. 1 TiB per rank
// is over 5x the largest GPU memory in the catalogue; nccl-tests' usual doubling sweep from 8 B to
// 8 GiB has 31 sizes, so 1000 sizes is far more than any real sweep.
constexpr double kMaxCollectiveBytes = 1099511627776.0;  // 1 TiB
constexpr double kMaxStepFactor = 1024;
constexpr int64_t kMaxCollectiveSizes = 1000;
// nccl-tests' defaults for -b and -e are both 32M, in binary units (nccl-tests README,
// src/common.cu parsesize: K, M, G are powers of 1024).
constexpr double kDefaultCollectiveBytes = 32.0 * 1024 * 1024;

// vLLM's --block-size choices for CUDA (vllm/engine/arg_utils.py, [8, 16, 32]).
constexpr int64_t kBlockSizes[] = {8, 16, 32};

constexpr const char* kGpuCatalogFile = "scenarios/catalog/gpus.pbtxt";
constexpr const char* kModelCatalogFile = "scenarios/catalog/models.pbtxt";

std::string q(const std::string& s) { return "\"" + s + "\""; }


class Builder {
 public:
  Builder(const pb::Scenario& msg, const Catalog& catalog, Scenario& out, Diagnostics& diags)
      : msg_(msg), catalog_(catalog), out_(out), c_(out.locations, out.file, diags) {}

  void run() {
    out_.name = msg_.has_name() ? msg_.name() : std::filesystem::path(out_.file).stem().string();
    out_.seed = msg_.has_seed() ? msg_.seed() : 1;
    cluster();
    detail::load_storage_and_market(msg_, c_, out_);  // storage_loader.cpp: cluster.storage, cluster.market
    detail::load_cluster_dynamics(msg_, c_, out_);  // dynamics_loader.cpp: cluster.spot, cluster.failures
    if (msg_.has_fidelity()) {
      out_.fidelity = msg_.fidelity() == pb::ANALYTIC ? CommFidelity::kAnalytic : CommFidelity::kFlow;
    }
    // A scenario runs one workload: serving, a collectives sweep, or training (issue 7).
    if (msg_.has_serving() && msg_.has_collectives()) {
      c_.error("collectives", "serving and collectives are both set; expected exactly one of them (one workload per "
                              "scenario)");
    } else if (msg_.has_training() && (msg_.has_serving() || msg_.has_collectives())) {
      c_.error("training", std::string("training and ") + (msg_.has_serving() ? "serving" : "collectives") +
                               " are both set; expected exactly one of serving, collectives and training (one "
                               "workload per scenario)");
    } else if (!msg_.has_serving() && !msg_.has_collectives() && !msg_.has_training()) {
      c_.missing("serving", "serving { model: ... workload { ... } }");
    }
    if (msg_.has_serving()) serving();
    if (msg_.has_collectives()) collectives();
    if (msg_.has_training()) detail::load_training(msg_, catalog_, c_, out_);  // training_loader.cpp
    output();
    detail::load_scenario_profiles(msg_, catalog_, c_, out_);
  }

 private:
  void cluster() {
    if (!msg_.has_cluster()) {
      c_.missing("cluster", "cluster { nodes { id: ... gpu: ... gpus_per_node: ... } }");
      return;
    }
    const pb::Cluster& cl = msg_.cluster();
    if (cl.nodes_size() == 0) c_.missing("cluster.nodes", "at least one nodes { ... } group");
    std::set<std::string> ids;
    cluster_ok_ = cl.nodes_size() > 0;
    for (int i = 0; i < cl.nodes_size(); ++i) {
      const pb::NodeGroup& n = cl.nodes(i);
      const std::string p = "cluster.nodes[" + std::to_string(i) + "]";
      NodeGroup g;
      const size_t errors_before = c_.diags().errors().size();
      if (!n.has_id() || n.id().empty()) {
        c_.missing(p + ".id", "a group name such as \"dgx\"");
      } else if (!ids.insert(n.id()).second) {
        c_.error(p + ".id", p + ".id " + q(n.id()) + " repeats an earlier group; expected unique ids");
      }
      g.id = n.id();
      if (n.has_count() && c_.int_range(p + ".count", n.count(), 1, kMaxNodes)) g.count = static_cast<int>(n.count());
      const GpuSpec* gpu = nullptr;
      if (!n.has_gpu()) {
        c_.missing(p + ".gpu", std::string("a GPU id from ") + kGpuCatalogFile);
      } else if ((gpu = catalog_.find_gpu(n.gpu())) == nullptr) {
        std::vector<std::string> ids_known;
        for (const GpuSpec& s : catalog_.gpus()) ids_known.push_back(s.id);
        c_.error(p + ".gpu", p + ".gpu " + q(n.gpu()) + " is not in " + kGpuCatalogFile + "; " +
                                 did_you_mean(n.gpu(), ids_known) + "expected one of: " + join(ids_known));
      } else {
        g.gpu = *gpu;
      }
      if (!n.has_gpus_per_node()) {
        c_.missing(p + ".gpus_per_node", "an integer from 1 to " + std::to_string(kMaxGpusPerNode));
      } else if (c_.int_range(p + ".gpus_per_node", n.gpus_per_node(), 1, kMaxGpusPerNode)) {
        g.gpus_per_node = static_cast<int>(n.gpus_per_node());
      }
      if (n.has_intra()) {
        g.intra = n.intra() == pb::NVSWITCH ? IntraConnect::kNvswitch : IntraConnect::kPcie;
      } else {
        g.intra = gpu != nullptr && gpu->nvlink_bandwidth > 0 ? IntraConnect::kNvswitch : IntraConnect::kPcie;
      }
      if (gpu != nullptr && g.intra == IntraConnect::kNvswitch && gpu->nvlink_bandwidth <= 0) {
        c_.error(p + ".intra", p + ".intra is NVSWITCH but " + gpu->id + " has no NVLink; expected PCIE");
      }
      if (n.has_intra_bandwidth()) {
        c_.quantity_range(p + ".intra_bandwidth", n.intra_bandwidth(), Quantity::kBandwidth, g.intra_bandwidth, 0, true,
                          kMaxBandwidth, "greater than 0 and at most 1000 TB/s");
      } else if (gpu != nullptr) {
        g.intra_bandwidth = g.intra == IntraConnect::kNvswitch ? gpu->nvlink_bandwidth : gpu->pcie_bandwidth;
      }
      if (n.has_intra_latency()) {
        c_.quantity_range(p + ".intra_latency", n.intra_latency(), Quantity::kTime, g.intra_latency, 0, false,
                          kMaxLatency, "from 0 to 1 s");
      } else {
        g.intra_latency = g.intra == IntraConnect::kNvswitch ? kNvlinkLatency : kPcieLatency;
      }
      nics(n, p, g);
      if (c_.diags().errors().size() != errors_before) cluster_ok_ = false;
      out_.cluster.nodes.push_back(std::move(g));
    }
    if (cluster_ok_) {
      for (const NodeGroup& g : out_.cluster.nodes) {
        total_nodes_ += g.count;
        total_gpus_ += static_cast<int64_t>(g.count) * g.gpus_per_node;
        total_nics_ += static_cast<int64_t>(g.count) * g.nics.count;
        max_nics_per_node_ = std::max<int64_t>(max_nics_per_node_, g.nics.count);
      }
    }
    if (cl.has_fabric()) fabric(cl.fabric());
  }

  // The node's NICs. Without a fabric and without a nics block the node has none (count 0).
  void nics(const pb::NodeGroup& n, const std::string& group, NodeGroup& g) {
    const bool has_fabric = msg_.cluster().has_fabric();
    if (!n.has_nics() && !has_fabric) return;
    const pb::Nics& m = n.nics();
    const std::string p = group + ".nics";
    switch (m.placement_case()) {
      case pb::Nics::kPerGpu:
        g.nics.placement = NicPlacement::kPerGpu;
        break;
      case pb::Nics::kPerNode:
        g.nics.placement = NicPlacement::kPerNode;
        break;
      case pb::Nics::PLACEMENT_NOT_SET:
        // The default follows the node's kind: NVSwitch systems (DGX / HGX) have a NIC per GPU,
        // PCIe servers one per node (see kNicBandwidth).
        g.nics.placement = g.intra == IntraConnect::kNvswitch ? NicPlacement::kPerGpu : NicPlacement::kPerNode;
        break;
    }
    if (g.nics.placement == NicPlacement::kPerGpu) {
      g.nics.count = g.gpus_per_node;
    } else if (m.has_per_node()) {
      if (!m.per_node().has_count()) {
        c_.missing(p + ".per_node.count", "an integer from 1 to " + std::to_string(kMaxNicsPerNode));
      } else if (c_.int_range(p + ".per_node.count", m.per_node().count(), 1, kMaxNicsPerNode)) {
        g.nics.count = static_cast<int>(m.per_node().count());
      }
    } else {
      g.nics.count = 1;
    }
    g.nics.bandwidth = kNicBandwidth;
    if (m.has_bandwidth()) {
      c_.quantity_range(p + ".bandwidth", m.bandwidth(), Quantity::kBandwidth, g.nics.bandwidth, 0, true,
                        kMaxBandwidth, "greater than 0 and at most 1000 TB/s");
    }
    g.nics.latency = kNicLatency;
    if (m.has_latency()) {
      c_.quantity_range(p + ".latency", m.latency(), Quantity::kTime, g.nics.latency, 0, false, kMaxLatency,
                        "from 0 to 1 s");
    }
  }

  // Switch ports: even (half down, half up at full bisection), kMinRadix to kMaxRadix.
  bool radix(const std::string& p, bool present, int64_t value, int64_t& out) {
    if (!present) return true;  // keeps the default
    if (value < kMinRadix || value > kMaxRadix || value % 2 != 0) {
      c_.error(p, p + " is " + std::to_string(value) + "; expected an even number of switch ports from " +
                      std::to_string(kMinRadix) + " to " + std::to_string(kMaxRadix));
      return false;
    }
    out = value;
    return true;
  }

  // Down:up ratio of a switch of `ports` ports: from 1 to ports - 1 (at least one port up).
  bool oversubscription(const std::string& p, bool present, double value, int64_t ports, double& out) {
    if (!present) return true;
    if (!c_.real_range(p, value, 1, false, static_cast<double>(ports - 1),
                       "from 1 to " + std::to_string(ports - 1) + " (radix - 1: at least one port up)")) {
      return false;
    }
    out = value;
    return true;
  }

  void fabric(const pb::Fabric& f) {
    FabricSpec& out = out_.cluster.fabric;
    const std::string p = "cluster.fabric";
    size_t tiers_needed = 0;  // 0: unknown (the topology itself is invalid)
    bool ok = true;           // the topology's own numbers are valid: capacity can be checked
    int64_t radix_value = out.radix;
    switch (f.kind_case()) {
      case pb::Fabric::kFatTree: {
        out.kind = FabricKind::kFatTree;
        const pb::FatTree& t = f.fat_tree();
        const std::string q = p + ".fat_tree";
        if (t.has_levels()) {
          if (t.levels() != 2 && t.levels() != 3) {
            c_.error(q + ".levels", q + ".levels is " + std::to_string(t.levels()) +
                                        "; expected 2 (leaf-spine) or 3 (leaf-aggregation-core)");
            ok = false;
          } else {
            out.levels = static_cast<int>(t.levels());
          }
        }
        const bool radix_ok = radix(q + ".radix", t.has_radix(), t.radix(), radix_value);
        // With a bad radix the ratio is still checked, against the largest radix.
        const bool ratio_ok = oversubscription(q + ".oversubscription", t.has_oversubscription(), t.oversubscription(),
                                               radix_ok ? radix_value : kMaxRadix, out.oversubscription);
        ok = ok && radix_ok && ratio_ok;
        if (ok) tiers_needed = static_cast<size_t>(out.levels);
        out.radix = static_cast<int>(radix_value);
        if (ok && cluster_ok_) shared_nics_fit_a_leaf(q, down_ports(out.radix, out.oversubscription));
        // Every NIC needs a leaf port (fabric_capacity.hpp gives the formula).
        const int64_t capacity = fat_tree_nic_capacity(out.levels, out.radix, out.oversubscription);
        if (ok && cluster_ok_ && total_nics_ > capacity) {
          const int64_t down = down_ports(out.radix, out.oversubscription);
          const std::string formula =
              out.levels == 2 ? "radix x down = " + std::to_string(out.radix) + " x " + std::to_string(down)
                              : "radix^2 / 2 x down = " + std::to_string(out.radix * out.radix / 2) + " x " +
                                    std::to_string(down);
          c_.error(q, q + " holds at most " + std::to_string(capacity) + " NICs (" + std::to_string(out.levels) +
                          " levels of " + std::to_string(out.radix) + "-port switches, oversubscription " +
                          detail::format_number(out.oversubscription) + ": leaves of " + std::to_string(down) +
                          " ports down, " + formula + ") but the cluster has " + std::to_string(total_nics_) +
                          " NICs; expected a larger radix, 3 levels or more oversubscription");
        }
        break;
      }
      case pb::Fabric::kRailOptimized: {
        out.kind = FabricKind::kRailOptimized;
        const pb::RailOptimized& r = f.rail_optimized();
        const std::string q = p + ".rail_optimized";
        ok = radix(q + ".radix", r.has_radix(), r.radix(), radix_value);
        out.radix = static_cast<int>(radix_value);
        if (ok && r.has_spines()) {
          if (c_.int_range(q + ".spines", r.spines(), 0, out.radix / 2)) {
            out.spines = static_cast<int>(r.spines());
          } else {
            ok = false;
          }
        }
        tiers_needed = 2;  // NIC to rail leaf, leaf to spine
        if (!cluster_ok_) break;
        // NIC i of every node is on rail i: that needs a NIC per GPU.
        bool rails_ok = true;
        for (size_t i = 0; i < out_.cluster.nodes.size(); ++i) {
          const NodeGroup& g = out_.cluster.nodes[i];
          if (g.nics.placement == NicPlacement::kPerGpu) continue;
          const std::string n = "cluster.nodes[" + std::to_string(i) + "]";
          const bool explicit_nics = msg_.cluster().nodes(static_cast<int>(i)).has_nics();
          c_.error(n + ".nics", n + " (\"" + g.id + "\") has " +
                                    (explicit_nics ? std::string("per_node NICs")
                                                   : std::string("one NIC per node (the default for PCIE nodes)")) +
                                    " but " + q + " puts NIC i of every node on rail i; expected nics { per_gpu {} }");
          rails_ok = false;
        }
        // Every node has one NIC on every rail.
        for (size_t i = 1; rails_ok && i < out_.cluster.nodes.size(); ++i) {
          const NodeGroup& g = out_.cluster.nodes[i];
          const NodeGroup& first = out_.cluster.nodes.front();
          if (g.nics.count == first.nics.count) continue;
          const std::string n = "cluster.nodes[" + std::to_string(i) + "]";
          c_.error(n + ".gpus_per_node", n + " (\"" + g.id + "\") has " + std::to_string(g.nics.count) +
                                             " NICs but cluster.nodes[0] has " + std::to_string(first.nics.count) +
                                             ", one per rail; expected the same gpus_per_node in every group of " + q);
          rails_ok = false;
        }
        const int64_t capacity = rail_optimized_node_capacity(out.radix, max_nics_per_node_);
        if (ok && rails_ok && total_nodes_ > capacity) {
          c_.error(q, q + " holds at most " + std::to_string(capacity) + " nodes (" + std::to_string(out.radix) +
                          "-port switches, " + std::to_string(max_nics_per_node_) + " rails: radix / 2 x floor(radix / " +
                          "rails) = " + std::to_string(out.radix / 2) + " x " +
                          std::to_string(max_nics_per_node_ > 0 ? out.radix / max_nics_per_node_ : 0) +
                          ") but the cluster has " + std::to_string(total_nodes_) +
                          " nodes; expected a larger radix or a fat_tree / multi_pod fabric");
        }
        break;
      }
      case pb::Fabric::kMultiPod:
        out.kind = FabricKind::kMultiPod;
        tiers_needed = 3;  // NIC to leaf, leaf to pod spine, pod spine to core
        multi_pod(f.multi_pod(), p + ".multi_pod", out);
        break;
      case pb::Fabric::KIND_NOT_SET:
        c_.error(p, p + " has no topology; expected one of: fat_tree, rail_optimized, multi_pod");
        break;
    }
    tiers(f, p, tiers_needed, out);
  }

  void multi_pod(const pb::MultiPod& m, const std::string& q, FabricSpec& out) {
    int64_t radix_value = out.radix;
    const bool radix_ok = radix(q + ".radix", m.has_radix(), m.radix(), radix_value);
    out.radix = static_cast<int>(radix_value);
    const bool ratio_ok = oversubscription(q + ".pod_oversubscription", m.has_pod_oversubscription(),
                                           m.pod_oversubscription(), radix_ok ? radix_value : kMaxRadix,
                                           out.pod_oversubscription);
    const bool ok = radix_ok && ratio_ok;
    if (!m.has_pod_gpus()) {
      c_.missing(q + ".pod_gpus", "the GPUs of one pod, a whole number of nodes dividing the cluster's GPUs");
      return;
    }
    const int64_t hi = cluster_ok_ ? total_gpus_ : kMaxNodes * kMaxGpusPerNode;
    if (!c_.int_range(q + ".pod_gpus", m.pod_gpus(), 1, hi)) return;
    const int64_t pod = m.pod_gpus();
    out.pod_gpus = static_cast<int>(pod);
    if (!cluster_ok_) return;
    if (total_gpus_ % pod != 0) {
      c_.error(q + ".pod_gpus", q + ".pod_gpus " + std::to_string(pod) + " does not divide the cluster's " +
                                    std::to_string(total_gpus_) + " GPUs; expected a divisor of " +
                                    std::to_string(total_gpus_));
      return;
    }
    // Pods hold whole nodes, in node-major order; the fullest pod bounds the NIC count.
    int64_t in_pod = 0, nics_in_pod = 0, max_pod_nics = 0;
    for (const NodeGroup& g : out_.cluster.nodes) {
      for (int c = 0; c < g.count; ++c) {
        in_pod += g.gpus_per_node;
        nics_in_pod += g.nics.count;
        if (in_pod > pod) {
          c_.error(q + ".pod_gpus", q + ".pod_gpus " + std::to_string(pod) + " splits a node of group \"" + g.id +
                                        "\" (" + std::to_string(g.gpus_per_node) +
                                        " GPUs) between pods; expected pods of whole nodes, in node order");
          return;
        }
        if (in_pod == pod) {
          max_pod_nics = std::max(max_pod_nics, nics_in_pod);
          in_pod = 0;
          nics_in_pod = 0;
        }
      }
    }
    if (!ok) return;
    shared_nics_fit_a_leaf(q, out.radix / 2);  // pod leaves are at full bisection
    const int64_t pods = total_gpus_ / pod;
    if (pods > multi_pod_max_pods(out.radix)) {
      c_.error(q + ".pod_gpus", q + ".pod_gpus " + std::to_string(pod) + " makes " + std::to_string(pods) +
                                    " pods but a core of " + std::to_string(out.radix) +
                                    "-port switches joins at most " + std::to_string(multi_pod_max_pods(out.radix)) +
                                    " (one port per pod); expected larger pods or a larger radix");
    }
    // One pod needs no core: its spines give every port to leaves (a plain two-level fat-tree).
    const int64_t down = pods == 1 ? out.radix : down_ports(out.radix, out.pod_oversubscription);
    const int64_t capacity = pods == 1 ? fat_tree_nic_capacity(2, out.radix, 1.0)
                                       : multi_pod_pod_nic_capacity(out.radix, out.pod_oversubscription);
    if (max_pod_nics > capacity) {
      const std::string why =
          pods == 1 ? "one pod, no core: spines of " + std::to_string(down) + " ports down"
                    : "pod_oversubscription " + detail::format_number(out.pod_oversubscription) + ": spines of " +
                          std::to_string(down) + " ports down";
      c_.error(q, q + " pods hold at most " + std::to_string(capacity) + " NICs (" + std::to_string(out.radix) +
                      "-port switches, " + why + ", down x radix / 2 = " + std::to_string(down) + " x " +
                      std::to_string(out.radix / 2) + ") but a pod has " + std::to_string(max_pod_nics) +
                      " NICs; expected smaller pods or a larger radix");
    }
  }

  // NICs shared by a node's GPUs join one leaf, so they must fit its `down` ports.
  void shared_nics_fit_a_leaf(const std::string& q, int64_t down) {
    for (size_t i = 0; i < out_.cluster.nodes.size(); ++i) {
      const NodeGroup& g = out_.cluster.nodes[i];
      if (g.nics.placement != NicPlacement::kPerNode || g.nics.count <= down) continue;
      const std::string n = "cluster.nodes[" + std::to_string(i) + "].nics.per_node.count";
      c_.error(n, n + " is " + std::to_string(g.nics.count) + " but a leaf of " + q + " has " + std::to_string(down) +
                      " ports down, and a node's shared NICs join one leaf; expected at most " + std::to_string(down));
    }
  }

  // Tier links from the NIC up: one entry (used at every tier) or exactly `needed`. One entry is
  // expanded, so FabricSpec::tiers always has one per tier.
  void tiers(const pb::Fabric& f, const std::string& p, size_t needed, FabricSpec& out) {
    if (f.tier_size() == 0) {
      c_.missing(p + ".tier", "tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" }, one used at every tier or one "
                              "per tier from the NIC up");
      return;
    }
    for (int i = 0; i < f.tier_size(); ++i) {
      const pb::FabricTier& t = f.tier(i);
      const std::string q = p + ".tier[" + std::to_string(i) + "]";
      FabricTier tier;
      if (!t.has_bandwidth()) {
        c_.missing(q + ".bandwidth", "a link bandwidth such as \"400 Gb/s\"");
      } else {
        c_.quantity_range(q + ".bandwidth", t.bandwidth(), Quantity::kBandwidth, tier.bandwidth, 0, true,
                          kMaxBandwidth, "greater than 0 and at most 1000 TB/s");
      }
      if (!t.has_latency()) {
        c_.missing(q + ".latency", "a link latency such as \"1 us\"");
      } else {
        c_.quantity_range(q + ".latency", t.latency(), Quantity::kTime, tier.latency, 0, false, kMaxLatency,
                          "from 0 to 1 s");
      }
      out.tiers.push_back(tier);
    }
    const auto n = static_cast<size_t>(f.tier_size());
    if (needed == 0 || n == needed) return;
    if (n == 1) {
      out.tiers.assign(needed, out.tiers.front());
      return;
    }
    const char* what = out.kind == FabricKind::kFatTree ? "level of the fat_tree"
                       : out.kind == FabricKind::kRailOptimized ? "tiers of rail_optimized (NIC-leaf, leaf-spine)"
                                                                 : "tiers of multi_pod (NIC-leaf, leaf-spine, spine-core)";
    c_.error(p + ".tier[" + std::to_string(std::min(n, needed)) + "]",
             p + " has " + std::to_string(n) + " tier entries; expected 1 (used at every tier) or " +
                 std::to_string(needed) + ", one per " + what + " from the NIC up");
  }

  void collectives() {
    const pb::Collectives& m = msg_.collectives();
    const std::string p = "collectives";
    CollectivesSpec spec;
    const int64_t gpus = cluster_ok_ ? total_gpus_ : kMaxNodes * kMaxGpusPerNode;
    if (m.op_size() == 0) {
      c_.missing(p + ".op", "at least one of: ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL, BROADCAST, "
                            "SEND_RECV");
    }
    for (int i = 0; i < m.op_size(); ++i) {
      CollectiveOp op = CollectiveOp::kAllReduce;
      switch (m.op(i)) {
        case pb::ALL_REDUCE: op = CollectiveOp::kAllReduce; break;
        case pb::ALL_GATHER: op = CollectiveOp::kAllGather; break;
        case pb::REDUCE_SCATTER: op = CollectiveOp::kReduceScatter; break;
        case pb::ALL_TO_ALL: op = CollectiveOp::kAllToAll; break;
        case pb::BROADCAST: op = CollectiveOp::kBroadcast; break;
        case pb::SEND_RECV: op = CollectiveOp::kSendRecv; break;
      }
      if (std::find(spec.ops.begin(), spec.ops.end(), op) != spec.ops.end()) {
        repeated(p + ".op[" + std::to_string(i) + "]", to_string(op));
      } else {
        spec.ops.push_back(op);
      }
    }
    // Sizes: each bound defaults to the other, or to nccl-tests' 32M.
    bool sizes_ok = true;
    const std::string bounds = "greater than 0 and at most 1 TiB";
    if (m.has_min_bytes()) {
      sizes_ok = c_.quantity_range(p + ".min_bytes", m.min_bytes(), Quantity::kBytes, spec.min_bytes, 0, true,
                                   kMaxCollectiveBytes, bounds);
    }
    if (m.has_max_bytes()) {
      sizes_ok = c_.quantity_range(p + ".max_bytes", m.max_bytes(), Quantity::kBytes, spec.max_bytes, 0, true,
                                   kMaxCollectiveBytes, bounds) &&
                 sizes_ok;
    }
    if (!m.has_min_bytes()) spec.min_bytes = m.has_max_bytes() ? spec.max_bytes : kDefaultCollectiveBytes;
    if (!m.has_max_bytes()) spec.max_bytes = m.has_min_bytes() ? spec.min_bytes : kDefaultCollectiveBytes;
    if (sizes_ok && spec.max_bytes < spec.min_bytes) {
      c_.error(p + ".max_bytes", p + ".max_bytes \"" + m.max_bytes() + "\" is below min_bytes \"" + m.min_bytes() +
                                     "\"; expected at least min_bytes");
      sizes_ok = false;
    }
    bool factor_ok = true;
    if (m.has_step_factor()) {
      factor_ok = c_.real_range(p + ".step_factor", m.step_factor(), 1, true, kMaxStepFactor,
                                "greater than 1 and at most 1024");
      if (factor_ok) spec.step_factor = m.step_factor();
    }
    if (sizes_ok && factor_ok) {
      // Sizes min x f^i for i = 0, 1, ... while <= max (nccl-tests -f); the epsilon keeps an exact
      // power (1 MiB x 2^10 = 1 GiB) in the sweep.
      const double steps = std::floor(std::log(spec.max_bytes / spec.min_bytes) / std::log(spec.step_factor) + 1e-9);
      if (steps + 1 > static_cast<double>(kMaxCollectiveSizes)) {
        c_.error(p + ".step_factor", p + ".step_factor " + detail::format_number(spec.step_factor) + " from " +
                                         m.min_bytes() + " to " + m.max_bytes() + " gives " +
                                         detail::format_number(steps + 1) + " sizes; expected at most " +
                                         std::to_string(kMaxCollectiveSizes) + " (a larger step_factor)");
      }
    }
    bool ranks_ok = true;
    for (int i = 0; i < m.ranks_size(); ++i) {
      const std::string q = p + ".ranks[" + std::to_string(i) + "]";
      if (!c_.int_range(q, m.ranks(i), 2, std::max<int64_t>(gpus, 2))) {
        ranks_ok = false;
      } else if (std::find(spec.ranks.begin(), spec.ranks.end(), m.ranks(i)) != spec.ranks.end()) {
        repeated(q, std::to_string(m.ranks(i)));
      } else {
        spec.ranks.push_back(static_cast<int>(m.ranks(i)));
      }
    }
    if (m.ranks_size() == 0 && cluster_ok_) {
      if (total_gpus_ < 2) {
        c_.error(p, p + " needs at least 2 GPUs but the cluster has " + std::to_string(total_gpus_) +
                        "; expected a cluster of 2 or more GPUs");
        ranks_ok = false;
      } else {
        spec.ranks.push_back(static_cast<int>(total_gpus_));  // every GPU, as nccl-tests over a whole job
      }
    }
    for (int i = 0; i < m.algorithm_size(); ++i) {
      CollectiveAlgorithm a = CollectiveAlgorithm::kAuto;
      switch (m.algorithm(i)) {
        case pb::RING: a = CollectiveAlgorithm::kRing; break;
        case pb::TREE: a = CollectiveAlgorithm::kTree; break;
        case pb::HIERARCHICAL: a = CollectiveAlgorithm::kHierarchical; break;
        case pb::AUTO: a = CollectiveAlgorithm::kAuto; break;
      }
      if (std::find(spec.algorithms.begin(), spec.algorithms.end(), a) != spec.algorithms.end()) {
        repeated(p + ".algorithm[" + std::to_string(i) + "]", to_string(a));
      } else {
        spec.algorithms.push_back(a);
      }
    }
    if (spec.algorithms.empty()) spec.algorithms.push_back(CollectiveAlgorithm::kAuto);
    if (m.has_concurrent_groups()) {
      if (c_.int_range(p + ".concurrent_groups", m.concurrent_groups(), 1, gpus)) {
        spec.concurrent_groups = static_cast<int>(m.concurrent_groups());
      } else {
        ranks_ok = false;
      }
    }
    if (ranks_ok && cluster_ok_ && !spec.ranks.empty()) {
      const int64_t largest = *std::max_element(spec.ranks.begin(), spec.ranks.end());
      if (spec.concurrent_groups * largest > total_gpus_) {
        c_.error(m.has_concurrent_groups() ? p + ".concurrent_groups" : p + ".ranks",
                 p + ".concurrent_groups " + std::to_string(spec.concurrent_groups) + " x " + std::to_string(largest) +
                     " ranks needs " + std::to_string(spec.concurrent_groups * largest) + " GPUs but the cluster has " +
                     std::to_string(total_gpus_) + "; expected concurrent_groups x the largest rank count at most " +
                     std::to_string(total_gpus_));
      }
    }
    // Without a fabric, nodes cannot reach each other: every rank must be on the first node (ranks
    // are the first GPUs, node-major, and concurrent groups follow one another).
    if (ranks_ok && cluster_ok_ && !spec.ranks.empty() && out_.cluster.fabric.kind == FabricKind::kNone) {
      const int64_t used =
          spec.concurrent_groups * static_cast<int64_t>(*std::max_element(spec.ranks.begin(), spec.ranks.end()));
      const int64_t first_node = out_.cluster.nodes.front().gpus_per_node;
      if (used > first_node && used <= total_gpus_) {
        c_.error(p, p + " uses " + std::to_string(used) + " GPUs (concurrent_groups x the largest rank count), more "
                        "than one node's " + std::to_string(first_node) +
                        ", but the cluster has no fabric; expected cluster { fabric { ... } } to join the nodes");
      }
    }
    out_.collectives = std::move(spec);
  }

  void repeated(const std::string& path, const std::string& value) {
    c_.error(path, path + " repeats " + value + "; expected each value once");
  }

  void serving() {
    const pb::Serving& s = msg_.serving();
    ServingSpec spec;
    const ModelSpec* model = nullptr;
    if (!s.has_model()) {
      c_.missing("serving.model", std::string("a model id from ") + kModelCatalogFile);
    } else if ((model = catalog_.find_model(s.model())) == nullptr) {
      std::vector<std::string> known;
      for (const ModelSpec& m : catalog_.models()) known.push_back(m.id);
      c_.error("serving.model", "serving.model " + q(s.model()) + " is not in " + kModelCatalogFile + "; " +
                                    did_you_mean(s.model(), known) + "expected one of: " + join(known));
    } else {
      spec.model = *model;
    }
    if (s.has_precision()) spec.precision = detail::precision_from_pb(s.precision());
    // Replica groups: placement, parallelism, roles (replica_loader.cpp).
    detail::load_replicas(s, model, out_.cluster, cluster_ok_ ? total_gpus_ : -1, c_, spec.replicas);
    scheduler(s, spec.scheduler);
    // Prefill-decode disaggregation hands prefilled sequences between continuous batchers
    // (policies/src/continuous_disagg.cpp); static batching runs whole requests only.
    if (spec.disaggregated() && spec.scheduler.kind == SchedulerKind::kStatic) {
      c_.error("serving.scheduler.static",
               "serving.scheduler is static batching, which cannot serve PREFILL_ONLY and DECODE_ONLY replica groups; "
               "expected scheduler { continuous { ... } }, or every replica group COLOCATED");
    }
    router(s, spec.router);
    if (!s.has_workload()) {
      c_.missing("serving.workload", "workload { trace { ... } } or poisson, gamma, fixed_rate");
    } else {
      workload(s.workload(), model, spec.workload);
    }
    slo(s, spec.slo);
    // Priority classes, admission and speculative decoding (issue 6): serving_extras.cpp.
    detail::load_priority_classes(s, c_, spec);
    detail::load_admission(s, c_, spec);
    detail::load_speculative(s, catalog_, c_, spec);
    // Prefix caching and KV offload tiers (issue 6): prefix_caching_loader.cpp.
    detail::load_prefix_caching(s, out_.cluster, c_, spec);
    // MoE routing skew and the GEMM input format of quantised models (issue 6): moe_quant_loader.cpp.
    detail::load_moe(s, c_, spec);
    detail::load_activations(s, out_.cluster, c_, spec);
    // Autoscaling and the replica lifecycle (issue 8): autoscaler_loader.cpp.
    detail::load_autoscaler(s, out_, c_, spec);
    // Replicas lost to spot interruptions and failures (issue 8): serving_faults_loader.cpp.
    detail::check_serving_faults(out_, c_, spec);
    out_.serving = std::move(spec);
  }

  void router(const pb::Serving& s, RouterSpec& out) {
    const pb::Router& m = s.router();
    switch (m.policy_case()) {
      case pb::Router::kRoundRobin: out.kind = RouterKind::kRoundRobin; break;
      case pb::Router::kLeastOutstanding:
      case pb::Router::POLICY_NOT_SET: out.kind = RouterKind::kLeastOutstanding; break;
      case pb::Router::kLeastKvLoad: out.kind = RouterKind::kLeastKvLoad; break;
      case pb::Router::kPowerOfTwo: out.kind = RouterKind::kPowerOfTwo; break;
      case pb::Router::kPrefixAware: {
        out.kind = RouterKind::kPrefixAware;
        const pb::PrefixAware& p = m.prefix_aware();
        if (p.has_blocks_per_instance() && c_.int_range("serving.router.prefix_aware.blocks_per_instance",
                                                        p.blocks_per_instance(), 1, kMaxRouterBlocks)) {
          out.prefix_blocks_per_instance = p.blocks_per_instance();
        }
        break;
      }
    }
  }

  void scheduler(const pb::Serving& s, SchedulerSpec& out) {
    const pb::Scheduler& m = s.scheduler();
    if (m.has_static_()) {
      const pb::Static& st = m.static_();
      out.kind = SchedulerKind::kStatic;
      const std::string p = "serving.scheduler.static";
      if (st.has_batch_size() && c_.int_range(p + ".batch_size", st.batch_size(), 1, kMaxBatch)) {
        out.static_batch_size = static_cast<int>(st.batch_size());
      }
      if (st.has_timeout()) {
        c_.quantity_range(p + ".timeout", st.timeout(), Quantity::kTime, out.static_batch_timeout_s, 0, false, 3600,
                          "from 0 to 1 h");
      }
      return;
    }
    out.kind = SchedulerKind::kContinuous;
    const pb::Continuous& ct = m.continuous();
    const std::string p = "serving.scheduler.continuous";
    if (ct.has_max_num_seqs() && c_.int_range(p + ".max_num_seqs", ct.max_num_seqs(), 1, kMaxBatch)) {
      out.max_num_seqs = static_cast<int>(ct.max_num_seqs());
    }
    if (ct.has_max_batched_tokens() &&
        c_.int_range(p + ".max_batched_tokens", ct.max_batched_tokens(), 1, kMaxBatchedTokens)) {
      out.max_batched_tokens = ct.max_batched_tokens();
    }
    // vLLM requires room for one token per sequence in an iteration (vllm/config.py
    // SchedulerConfig._verify_args: max_num_batched_tokens >= max_num_seqs).
    if (out.max_batched_tokens < out.max_num_seqs) {
      c_.error(p + ".max_batched_tokens", p + ".max_batched_tokens " + std::to_string(out.max_batched_tokens) +
                                              " is below max_num_seqs " + std::to_string(out.max_num_seqs) +
                                              "; expected at least max_num_seqs");
    }
    out.chunked_prefill = ct.chunked_prefill();
    if (ct.has_block_size()) {
      const int64_t b = ct.block_size();
      if (b != kBlockSizes[0] && b != kBlockSizes[1] && b != kBlockSizes[2]) {
        c_.error(p + ".block_size", p + ".block_size is " + std::to_string(b) + "; expected 8, 16 or 32");
      } else {
        out.block_size_tokens = static_cast<int>(b);
      }
    }
    if (ct.has_gpu_memory_utilization() &&
        c_.real_range(p + ".gpu_memory_utilization", ct.gpu_memory_utilization(), 0, true, 1,
                      "in (0, 1]")) {
      out.gpu_memory_utilization = ct.gpu_memory_utilization();
    }
  }

  void length(const std::string& p, const pb::Workload& w, bool input, int64_t max_tokens, LengthDistribution& out) {
    const bool present = input ? w.has_input() : w.has_output();
    if (!present) {
      c_.missing(p, "a length distribution: fixed, uniform or lognormal");
      return;
    }
    const pb::Length& l = input ? w.input() : w.output();
    switch (l.distribution_case()) {
      case pb::Length::kFixed:
        out.kind = LengthKind::kFixed;
        if (c_.int_range(p + ".fixed", l.fixed(), 1, max_tokens)) out.value = l.fixed();
        break;
      case pb::Length::kUniform: {
        out.kind = LengthKind::kUniform;
        const pb::Uniform& u = l.uniform();
        bool ok = true;
        if (!u.has_min()) c_.missing(p + ".uniform.min", "an integer from 1 to " + std::to_string(max_tokens));
        if (!u.has_max()) c_.missing(p + ".uniform.max", "an integer from min to " + std::to_string(max_tokens));
        if (!u.has_min() || !u.has_max()) break;
        ok = c_.int_range(p + ".uniform.min", u.min(), 1, max_tokens);
        if (ok) ok = c_.int_range(p + ".uniform.max", u.max(), u.min(), max_tokens);
        if (ok) {
          out.min = u.min();
          out.max = u.max();
        }
        break;
      }
      case pb::Length::kLognormal: {
        out.kind = LengthKind::kLognormal;
        const pb::Lognormal& g = l.lognormal();
        if (!g.has_mean()) {
          c_.missing(p + ".lognormal.mean", "a number greater than 0");
        } else if (c_.real_range(p + ".lognormal.mean", g.mean(), 0, true, static_cast<double>(max_tokens),
                                 "greater than 0 and at most " + std::to_string(max_tokens))) {
          out.mean = g.mean();
        }
        if (!g.has_stddev()) {
          c_.missing(p + ".lognormal.stddev", "a number greater than 0");
        } else if (c_.real_range(p + ".lognormal.stddev", g.stddev(), 0, true, static_cast<double>(max_tokens),
                                 "greater than 0 and at most " + std::to_string(max_tokens))) {
          out.stddev = g.stddev();
        }
        out.min = 1;
        out.max = max_tokens;
        if (g.has_min() && c_.int_range(p + ".lognormal.min", g.min(), 1, max_tokens)) out.min = g.min();
        if (g.has_max() && c_.int_range(p + ".lognormal.max", g.max(), out.min, max_tokens)) out.max = g.max();
        break;
      }
      case pb::Length::DISTRIBUTION_NOT_SET:
        c_.missing(p, "one of: fixed, uniform, lognormal");
        break;
    }
  }

  void rate(const std::string& p, bool present, const std::string& text, double& out) {
    if (!present) {
      c_.missing(p, "a rate such as \"5 /s\" (units: " + std::string(expected_units(Quantity::kRate)) + ")");
      return;
    }
    c_.quantity_range(p, text, Quantity::kRate, out, 0, true, kMaxRate, "greater than 0 and at most 1000000 /s");
  }

  void workload(const pb::Workload& w, const ModelSpec* model, WorkloadSpec& out) {
    const std::string p = "serving.workload";
    const int64_t max_tokens = model != nullptr ? model->max_context : kMaxTokensNoModel;
    bool synthetic = true;
    switch (w.arrivals_case()) {
      case pb::Workload::kTrace:
        synthetic = false;
        out.kind = WorkloadKind::kTrace;
        trace(w.trace(), out);
        break;
      case pb::Workload::kPoisson:
        out.kind = WorkloadKind::kPoisson;
        if (w.poisson().has_rate_profile()) {
          detail::load_rate_profile(w.poisson().rate_profile(), w.poisson().has_rate(), p + ".poisson", c_, out);
        } else {
          rate(p + ".poisson.rate", w.poisson().has_rate(), w.poisson().rate(), out.rate_per_s);
        }
        break;
      case pb::Workload::kGamma:
        out.kind = WorkloadKind::kGamma;
        if (w.gamma().has_rate_profile()) {
          detail::load_rate_profile(w.gamma().rate_profile(), w.gamma().has_rate(), p + ".gamma", c_, out);
        } else {
          rate(p + ".gamma.rate", w.gamma().has_rate(), w.gamma().rate(), out.rate_per_s);
        }
        if (!w.gamma().has_cv()) {
          c_.missing(p + ".gamma.cv", "a coefficient of variation greater than 0 (1 = Poisson)");
        } else if (c_.real_range(p + ".gamma.cv", w.gamma().cv(), 0, true, kMaxCv, "greater than 0 and at most 100")) {
          out.cv = w.gamma().cv();
        }
        break;
      case pb::Workload::kFixedRate:
        out.kind = WorkloadKind::kFixedRate;
        rate(p + ".fixed_rate.rate", w.fixed_rate().has_rate(), w.fixed_rate().rate(), out.rate_per_s);
        break;
      case pb::Workload::ARRIVALS_NOT_SET:
        c_.error(p, p + " has no arrival process; expected one of: trace, poisson, gamma, fixed_rate");
        return;
    }
    if (synthetic) {
      length(p + ".input", w, true, max_tokens, out.input);
      length(p + ".output", w, false, max_tokens, out.output);
      if (!w.has_max_requests() && !w.has_duration()) {
        c_.error(p, p + " has synthetic arrivals without an end; expected max_requests or duration");
      }
    } else {
      out.input.kind = LengthKind::kFromTrace;
      out.output.kind = LengthKind::kFromTrace;
      for (const char* f : {"input", "output"}) {
        const bool set = f[0] == 'i' ? w.has_input() : w.has_output();
        if (set) {
          c_.error(p + "." + f, p + "." + f + " is set for a trace workload; expected lengths from the trace (remove " +
                                    f + ")");
        }
      }
    }
    if (w.has_max_requests() && c_.int_range(p + ".max_requests", w.max_requests(), 0, kMaxRequests)) {
      out.max_requests = w.max_requests();
    }
    if (w.has_duration()) {
      c_.quantity_range(p + ".duration", w.duration(), Quantity::kTime, out.duration_s, 0, false, kMaxTime,
                        "from 0 to 366 days");
    }
  }

  void trace(const pb::Trace& t, WorkloadSpec& out) {
    const std::string p = "serving.workload.trace";
    if (t.has_time_scale() &&
        c_.real_range(p + ".time_scale", t.time_scale(), 0, true, kMaxTimeScale, "greater than 0 and at most 1e6")) {
      out.time_scale = t.time_scale();
    }
    if (t.has_repeat() && c_.int_range(p + ".repeat", t.repeat(), 1, kMaxTraceRepeat)) out.repeat = t.repeat();
    if (!t.has_path() || t.path().empty()) {
      c_.missing(p + ".path", "a trace file relative to the scenario file");
      return;
    }
    // Relative paths resolve against the scenario file's directory, so a scenario runs the same
    // from any working directory.
    std::filesystem::path path(t.path());
    if (path.is_relative()) path = std::filesystem::path(out_.file).parent_path() / path;
    out.trace_path = path.lexically_normal().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out.trace_path, ec)) {
      c_.error(p + ".path", p + ".path " + q(t.path()) + ": no such file " + q(out.trace_path) +
                                "; expected a trace file (paths are relative to the scenario file's directory)");
      return;
    }
    detect_trace_format(out.trace_path, out.trace_format, c_.diags());
  }

  void slo(const pb::Serving& s, SloSpec& out) {
    const pb::Slo& m = s.slo();
    const std::string p = "serving.slo";
    double v = 0;
    if (m.has_ttft() && c_.quantity_range(p + ".ttft", m.ttft(), Quantity::kTime, v, 0, true, kMaxTime,
                                          "greater than 0 and at most 366 days")) {
      out.ttft_s = v;
    }
    if (m.has_tpot() && c_.quantity_range(p + ".tpot", m.tpot(), Quantity::kTime, v, 0, true, kMaxTime,
                                          "greater than 0 and at most 366 days")) {
      out.tpot_s = v;
    }
    if (m.has_e2e() && c_.quantity_range(p + ".e2e", m.e2e(), Quantity::kTime, v, 0, true, kMaxTime,
                                         "greater than 0 and at most 366 days")) {
      out.e2e_s = v;
    }
  }

  void output() {
    const pb::Output& o = msg_.output();
    out_.output.dir = o.dir();
    out_.output.trace = o.trace();
    if (o.has_timeseries_interval()) {
      c_.quantity_range("output.timeseries_interval", o.timeseries_interval(), Quantity::kTime,
                        out_.output.timeseries_interval_s, 0, true, kMaxTime, "greater than 0 and at most 366 days");
    }
  }

  const pb::Scenario& msg_;
  const Catalog& catalog_;
  Scenario& out_;
  Checker c_;
  bool cluster_ok_ = false;         // every node group valid: the fit check can run
  // Totals over the whole cluster, set when cluster_ok_.
  int64_t total_nodes_ = 0;
  int64_t total_gpus_ = 0;
  int64_t total_nics_ = 0;
  int64_t max_nics_per_node_ = 0;   // rails of a rail-optimised fabric
};

}  // namespace

std::optional<Scenario> load_scenario(const std::string& file, const std::vector<Override>& overrides,
                                      const Catalog& catalog, Diagnostics& diags) {
  const size_t errors_before = diags.errors().size();
  std::string text;
  if (!detail::read_file(file, text, "scenario file", diags)) return std::nullopt;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    diags.error(SourceLocation{file, 0, 0},
                "file is empty; expected a scenario in protobuf text format (cluster { ... } serving { ... })");
    return std::nullopt;
  }
  if (!detail::check_text(text, file, diags)) return std::nullopt;
  pb::Scenario message;
  Scenario scenario;
  scenario.file = file;
  // Syntax errors stop here: the parser cannot recover, so later checks would only mislead.
  if (!detail::parse_text(text, file, message, diags, &scenario.locations)) return std::nullopt;
  for (const Override& o : overrides) detail::apply_override(o, message, diags, scenario.locations);
  Builder(message, catalog, scenario, diags).run();
  if (diags.errors().size() != errors_before) return std::nullopt;
  return scenario;
}

bool parse_override(const std::string& text, Override& out) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  out.path = text.substr(0, eq);
  out.value = text.substr(eq + 1);
  return true;
}

}  // namespace stratum::scenarios
