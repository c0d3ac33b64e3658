#pragma once
// Storage tiers as SimGrid resources (issue 8; docs/models.md "Storage, cost and energy").
//
// Each tier is an s4u::Disk: one per node for the local kinds (HOST_DRAM, LOCAL_NVME), attached to
// that node's host, and one for the whole cluster for OBJECT_STORE (attached to the first node's
// host; an I/O on a disk does not cross the network model, so the host it hangs on does not
// matter). A disk's read and write bandwidths bound each direction and max(read, write) bounds
// both together (SimGrid 3.32's own default for the read-write constraint, Disk.hpp
// set_readwrite_bandwidth); concurrent accesses share them max-min fairly, which for equal demands
// is the processor sharing of calibration::shared_finish_times. An access first sleeps the tier's
// latency, then moves its bytes. The fabric and the GPUs' PCIe links are not on the path
// (assumption: the tier's bandwidth is the bottleneck; weights and checkpoints are large
// sequential transfers).
#include <map>
#include <string>
#include <vector>

#include <simgrid/s4u/Disk.hpp>
#include <simgrid/s4u/Host.hpp>

#include "stratum/scenarios/storage.hpp"

namespace stratum::sim {

class StorageSystem {
 public:
  // Creates the disks. `node_hosts`: one host per node of the cluster (global node order), e.g.
  // Platform::gpu_host(node, 0); must not be empty when `spec` has tiers. Call after the platform
  // is built and before Engine::run.
  StorageSystem(const scenarios::StorageSpec& spec, const std::vector<simgrid::s4u::Host*>& node_hosts);

  // Blocking, from inside an actor: waits the tier's latency, then moves `bytes` through the
  // tier (node `node`'s copy for local kinds; `node` is ignored for a shared tier). Returns the
  // seconds it took. std::out_of_range for an unknown tier or node.
  double read(const std::string& tier, int node, double bytes) const;
  double write(const std::string& tier, int node, double bytes) const;

  const scenarios::StorageSpec& spec() const { return spec_; }

 private:
  double access(const std::string& tier, int node, double bytes, bool write) const;
  simgrid::s4u::Disk* disk(const std::string& tier, int node) const;

  scenarios::StorageSpec spec_;
  // By tier id: one disk (shared tier) or one per node (local tier).
  std::map<std::string, std::vector<simgrid::s4u::Disk*>> disks_;
};

}  // namespace stratum::sim
