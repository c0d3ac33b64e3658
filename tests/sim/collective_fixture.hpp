#pragma once
// Clusters built in code for the collective tests: DGX H100-like nodes (8 GPUs on NVSwitch, one
// 400 Gb/s NIC per GPU) and a two-level fat-tree, plus an engine that keeps SimGrid quiet.
#include <memory>
#include <string>
#include <vector>

#include <simgrid/s4u/Engine.hpp>

#include "stratum/scenarios/scenario.hpp"
#include "stratum/topology/cluster_builder.hpp"
#include "stratum/topology/link_defaults.hpp"

namespace stratum::sim::testing {

// Figures of the test clusters (the same as scenarios/examples/nccl_*.pbtxt): 400 Gb/s = 50 GB/s
// per NIC and per fabric link (ConnectX-7 NDR, NVIDIA DGX H100 user guide; Quantum-2 datasheet).
inline constexpr double kNicBandwidth = 50e9;
inline constexpr double kNicLatency = 2e-6;
inline constexpr double kSwitchHopLatency = 130e-9;

inline scenarios::NodeGroup dgx_h100(int count) {
  scenarios::NodeGroup group;
  group.id = "dgx";
  group.count = count;
  group.gpu.id = "h100-sxm5-80gb";
  group.gpu.nvlink_bandwidth = topology::defaults::kNvlink4PerGpuPerDirection;
  group.gpu.pcie_bandwidth = topology::defaults::kPcie5x16PerDirection;
  group.gpus_per_node = 8;
  group.nics.placement = scenarios::NicPlacement::kPerGpu;
  group.nics.count = 8;
  group.nics.bandwidth = kNicBandwidth;
  group.nics.latency = kNicLatency;
  return group;
}

// `nodes` DGX nodes; with nodes > 1 a two-level fat-tree of `radix`-port switches joins them.
inline scenarios::ClusterSpec dgx_cluster(int nodes, int radix = 64, double oversubscription = 1.0) {
  scenarios::ClusterSpec spec;
  spec.nodes.push_back(dgx_h100(nodes));
  if (nodes > 1) {
    spec.fabric.kind = scenarios::FabricKind::kFatTree;
    spec.fabric.levels = 2;
    spec.fabric.radix = radix;
    spec.fabric.oversubscription = oversubscription;
    spec.fabric.tiers = {{kNicBandwidth, kSwitchHopLatency}, {kNicBandwidth, kSwitchHopLatency}};
  }
  return spec;
}

// An engine with SimGrid's own output silenced. One per process (ctest runs each TEST alone).
class QuietEngine {
 public:
  QuietEngine() {
    args_ = {"collective_test", "--log=root.thres:critical"};
    for (auto& arg : args_) argv_.push_back(arg.data());
    argv_.push_back(nullptr);
    argc_ = static_cast<int>(args_.size());
    engine_ = std::make_unique<simgrid::s4u::Engine>(&argc_, argv_.data());
  }
  simgrid::s4u::Engine& operator*() { return *engine_; }

 private:
  std::vector<std::string> args_;
  std::vector<char*> argv_;
  int argc_ = 0;
  std::unique_ptr<simgrid::s4u::Engine> engine_;
};

}  // namespace stratum::sim::testing
