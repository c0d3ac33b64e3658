#include "stratum/sim/storage.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace stratum::sim {

namespace s4u = simgrid::s4u;

StorageSystem::StorageSystem(const scenarios::StorageSpec& spec, const std::vector<s4u::Host*>& node_hosts)
    : spec_(spec) {
  if (spec.tiers.empty()) return;
  if (node_hosts.empty()) throw std::invalid_argument("StorageSystem: no node hosts to attach the tiers to");
  for (const scenarios::StorageTierSpec& t : spec.tiers) {
    std::vector<s4u::Disk*>& disks = disks_[t.id];
    const size_t copies = t.shared() ? 1 : node_hosts.size();
    for (size_t n = 0; n < copies; ++n) {
      const std::string name = "storage:" + t.id + (t.shared() ? "" : ":" + std::to_string(n));
      s4u::Disk* d = node_hosts[n]->create_disk(name, t.read_bandwidth, t.write_bandwidth);
      d->set_readwrite_bandwidth(std::max(t.read_bandwidth, t.write_bandwidth));
      disks.push_back(d->seal());
    }
  }
}

s4u::Disk* StorageSystem::disk(const std::string& tier, int node) const {
  const std::vector<s4u::Disk*>& disks = disks_.at(tier);
  if (disks.size() == 1) return disks.front();
  return disks.at(static_cast<size_t>(node));
}

double StorageSystem::access(const std::string& tier, int node, double bytes, bool write) const {
  const scenarios::StorageTierSpec* spec = spec_.find(tier);
  if (spec == nullptr) throw std::out_of_range("StorageSystem: no tier \"" + tier + "\"");
  s4u::Disk* d = disk(tier, node);
  const double start = s4u::Engine::get_clock();
  if (spec->latency_s > 0) s4u::this_actor::sleep_for(spec->latency_s);
  const auto size = static_cast<sg_size_t>(std::llround(std::max(0.0, bytes)));
  if (size > 0) {
    if (write) {
      d->write(size);
    } else {
      d->read(size);
    }
  }
  return s4u::Engine::get_clock() - start;
}

double StorageSystem::read(const std::string& tier, int node, double bytes) const {
  return access(tier, node, bytes, false);
}

double StorageSystem::write(const std::string& tier, int node, double bytes) const {
  return access(tier, node, bytes, true);
}

}  // namespace stratum::sim
