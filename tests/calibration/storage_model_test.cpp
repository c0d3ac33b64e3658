// Storage reads and writes in closed form (issue 8): latency + bytes / bandwidth alone, and
// processor sharing when accesses overlap on one tier.
#include "stratum/calibration/storage_model.hpp"

#include <gtest/gtest.h>

namespace stratum::calibration {
namespace {

scenarios::StorageTierSpec s3() {
  scenarios::StorageTierSpec t;
  t.id = "s3";
  t.kind = scenarios::StorageKind::kObjectStore;
  t.capacity_bytes = 1e15;
  t.read_bandwidth = 10e9;
  t.write_bandwidth = 5e9;
  t.latency_s = 0.1;
  return t;
}

// A cold start alone: Llama-3.1-70B's BF16 weights (70.6e9 parameters x 2 bytes, the model card's
// count) from a 10 GB/s object store with 100 ms per access: 0.1 + 141.2e9 / 10e9 = 14.22 s.
TEST(StorageModel, OneAccessIsLatencyPlusBytesOverBandwidth) {
  const double bytes = 70.6e9 * 2;
  EXPECT_DOUBLE_EQ(read_time(s3(), bytes), 0.1 + 14.12);
  EXPECT_DOUBLE_EQ(write_time(s3(), bytes), 0.1 + 28.24);
  EXPECT_DOUBLE_EQ(storage_access_time(0, 1e9, 2e-3), 2e-3);
  const std::vector<double> alone = shared_finish_times(10e9, 0.1, {{5.0, bytes}});
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_DOUBLE_EQ(alone[0], 5.0 + 0.1 + 14.12);
}

// k readers issued together each take latency + k x bytes / bandwidth.
TEST(StorageModel, KReadersTogetherEachTakeKTimesAsLong) {
  for (int k : {2, 3, 8}) {
    std::vector<StorageAccess> a(static_cast<size_t>(k), StorageAccess{0.0, 16e9});
    const std::vector<double> f = shared_finish_times(10e9, 0.1, a);
    for (double t : f) EXPECT_NEAR(t, 0.1 + k * 16e9 / 10e9, 1e-12) << k;
  }
}

// Staggered readers, worked by hand on a 1 GB/s tier with 1 s latency:
// A (start 0, 3 GB) is ready at 1 and alone until B (start 1, 1 GB) is ready at 2, by which A
// has 2 GB left. Both then move at 0.5 GB/s: B's 1 GB ends at 4, when A has 1 GB left, which it
// moves alone by 5. C (start 10, 0 bytes) finishes at its ready time 11.
TEST(StorageModel, StaggeredReadersShareAsProcessorSharing) {
  const std::vector<double> f = shared_finish_times(1e9, 1.0, {{0.0, 3e9}, {1.0, 1e9}, {10.0, 0.0}});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_NEAR(f[0], 5.0, 1e-12);
  EXPECT_NEAR(f[1], 4.0, 1e-12);
  EXPECT_NEAR(f[2], 11.0, 1e-12);
}

// The order of the input does not matter, and work is conserved: the last finish of a busy period
// is its first ready time plus all bytes over the bandwidth.
TEST(StorageModel, OrderFreeAndWorkConserving) {
  const std::vector<double> a = shared_finish_times(2e9, 0.5, {{0.0, 4e9}, {0.2, 2e9}, {0.4, 6e9}});
  const std::vector<double> b = shared_finish_times(2e9, 0.5, {{0.4, 6e9}, {0.0, 4e9}, {0.2, 2e9}});
  EXPECT_DOUBLE_EQ(a[0], b[1]);
  EXPECT_DOUBLE_EQ(a[1], b[2]);
  EXPECT_DOUBLE_EQ(a[2], b[0]);
  EXPECT_NEAR(std::max({a[0], a[1], a[2]}), 0.5 + 12e9 / 2e9, 1e-9);
  // The 2 GB access ready at 0.7 finishes before the 4 GB one ready at 0.5, which finishes
  // before the 6 GB one ready at 0.9.
  EXPECT_LT(a[1], a[0]);
  EXPECT_LT(a[0], a[2]);
}

}  // namespace
}  // namespace stratum::calibration
