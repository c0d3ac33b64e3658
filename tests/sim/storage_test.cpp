// Storage tiers as SimGrid resources (issue 8) agree with the closed form
// (calibration::shared_finish_times): one reader alone, k readers together, staggered readers,
// local tiers per node. One SimGrid engine per process: ctest runs each TEST alone.
#include "stratum/sim/storage.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include "stratum/calibration/storage_model.hpp"
#include "stratum/sim/platform.hpp"

namespace stratum::sim {
namespace {

namespace s4u = simgrid::s4u;

// An engine with two hosts (two "nodes") and SimGrid's own output silenced.
class StorageFixture {
 public:
  StorageFixture() {
    args_ = {"storage_test", "--log=root.thres:critical"};
    for (auto& arg : args_) argv_.push_back(arg.data());
    argv_.push_back(nullptr);
    argc_ = static_cast<int>(args_.size());
    engine_ = std::make_unique<s4u::Engine>(&argc_, argv_.data());
    configure_engine(*engine_);
    s4u::NetZone* zone = s4u::create_full_zone("storage");
    hosts_.push_back(zone->create_host("node0", 1e9)->seal());
    hosts_.push_back(zone->create_host("node1", 1e9)->seal());
    zone->seal();
  }
  s4u::Engine& engine() { return *engine_; }
  const std::vector<s4u::Host*>& hosts() const { return hosts_; }

 private:
  std::vector<std::string> args_;
  std::vector<char*> argv_;
  int argc_ = 0;
  std::unique_ptr<s4u::Engine> engine_;
  std::vector<s4u::Host*> hosts_;
};

scenarios::StorageSpec tiers() {
  scenarios::StorageSpec spec;
  scenarios::StorageTierSpec s3;
  s3.id = "s3";
  s3.kind = scenarios::StorageKind::kObjectStore;
  s3.capacity_bytes = 1e15;
  s3.read_bandwidth = 10e9;   // deployment guide's object-store aggregate
  s3.write_bandwidth = 5e9;
  s3.latency_s = 0.1;
  spec.tiers.push_back(s3);
  scenarios::StorageTierSpec nvme;
  nvme.id = "nvme";
  nvme.kind = scenarios::StorageKind::kLocalNvme;
  nvme.capacity_bytes = 3.84e12;
  nvme.read_bandwidth = 7e9;
  nvme.write_bandwidth = 7e9;
  nvme.latency_s = 2e-3;
  spec.tiers.push_back(nvme);
  return spec;
}

struct Access {
  std::string tier;
  int node = 0;
  double start_s = 0;
  double bytes = 0;
  bool write = false;
  double finished_at = -1;
  double took = -1;
};

void run(StorageFixture& fx, std::vector<Access>& accesses) {
  const StorageSystem storage(tiers(), fx.hosts());
  for (Access& a : accesses) {
    s4u::Actor::create("reader", fx.hosts()[static_cast<size_t>(a.node)], [&a, &storage] {
      if (a.start_s > 0) s4u::this_actor::sleep_for(a.start_s);
      a.took = a.write ? storage.write(a.tier, a.node, a.bytes) : storage.read(a.tier, a.node, a.bytes);
      a.finished_at = s4u::Engine::get_clock();
    });
  }
  fx.engine().run();
}

void expect_relative(double actual, double expected) { EXPECT_NEAR(actual, expected, 1e-6 * expected); }

// A cold start alone: 141.2 GB (Llama-3.1-70B in BF16) from the object store.
TEST(StorageSim, OneReaderTakesLatencyPlusBytesOverBandwidth) {
  StorageFixture fx;
  std::vector<Access> a{{"s3", 0, 0.0, 141.2e9}};
  run(fx, a);
  expect_relative(a[0].finished_at, 0.1 + 14.12);
  expect_relative(a[0].took, calibration::read_time(tiers().tiers[0], 141.2e9));
}

TEST(StorageSim, KReadersTogetherShareTheTier) {
  StorageFixture fx;
  std::vector<Access> a;
  for (int i = 0; i < 4; ++i) a.push_back({"s3", i % 2, 0.0, 16e9});
  run(fx, a);
  for (const Access& x : a) expect_relative(x.finished_at, 0.1 + 4 * 16e9 / 10e9);
}

TEST(StorageSim, StaggeredReadersMatchProcessorSharing) {
  StorageFixture fx;
  std::vector<Access> a{{"s3", 0, 0.0, 30e9}, {"s3", 1, 1.0, 10e9}, {"s3", 0, 2.5, 20e9}, {"s3", 1, 2.6, 5e9}};
  run(fx, a);
  std::vector<calibration::StorageAccess> closed;
  for (const Access& x : a) closed.push_back({x.start_s, x.bytes});
  const std::vector<double> expected = calibration::shared_finish_times(10e9, 0.1, closed);
  for (size_t i = 0; i < a.size(); ++i) expect_relative(a[i].finished_at, expected[i]);
}

// Local tiers: each node has its own NVMe, so readers on different nodes do not share.
TEST(StorageSim, LocalTiersArePerNode) {
  StorageFixture fx;
  std::vector<Access> a{{"nvme", 0, 0.0, 14e9}, {"nvme", 1, 0.0, 14e9}, {"nvme", 1, 0.0, 14e9}};
  run(fx, a);
  expect_relative(a[0].finished_at, 2e-3 + 2.0);      // alone on node 0
  expect_relative(a[1].finished_at, 2e-3 + 4.0);      // two share node 1's drive
  expect_relative(a[2].finished_at, 2e-3 + 4.0);
}

// Writes use the write bandwidth; a read and a write together stay within max(read, write).
TEST(StorageSim, WritesUseTheWriteBandwidth) {
  StorageFixture fx;
  std::vector<Access> a{{"s3", 0, 0.0, 10e9, true}};
  run(fx, a);
  expect_relative(a[0].finished_at, 0.1 + 2.0);  // 10 GB at 5 GB/s
}

}  // namespace
}  // namespace stratum::sim
