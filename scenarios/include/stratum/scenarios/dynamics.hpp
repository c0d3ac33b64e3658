#pragma once
// Plain structs for cluster dynamics that the training and serving runs consume (issue 8): spot
// interruptions (cluster.spot), component failures (cluster.failures) and training checkpoints
// (training.checkpoint). SI units: seconds, events per second. Filled by
// scenarios/src/dynamics_loader.cpp; the fault-event generator is policies/fault_events.hpp.
#include <cstdint>
#include <string>
#include <vector>

namespace stratum::scenarios {

enum class SpotProvider { kAws, kGcp, kAzure };
const char* to_string(SpotProvider provider);
// Default notice by provider (REFERENCES.md "Spot notice": AWS 2 minutes, GCP Spot 30 s,
// Azure 30 s).
double default_spot_notice_s(SpotProvider provider);

// One row of a spot availability trace: from time_s on, `available_nodes` nodes can run.
struct AvailabilityPoint {
  double time_s = 0;
  int64_t available_nodes = 0;
};

struct SpotSpec {
  double interruption_rate = 0;   // interruptions per node per second (Poisson per node)
  std::string availability_trace;  // resolved path, empty when none
  std::vector<AvailabilityPoint> availability;  // the trace's rows, times strictly increasing
  SpotProvider provider = SpotProvider::kAws;
  double notice_s = 120;           // default_spot_notice_s(provider) unless set
  double replacement_delay_s = 600;  // assumption (scenario.proto Spot.replacement_delay)
  double replacement_probability = 1;
};

// Llama 3 paper Table 5 root causes, grouped by the component that fails.
enum class ComponentKind { kGpu, kHbm, kNic, kHost, kSwitch, kSoftware };
inline constexpr int kComponentKindCount = 6;
const char* to_string(ComponentKind kind);  // "gpu", "hbm", "nic", "host", "switch", "software"

// Failures per GPU-hour of cluster size from the Llama 3 405B run (Dubey et al. 2024, Table 5:
// 419 unexpected interruptions in 54 days on 16,384 H100 = 21,233,664 GPU-hours), as events per
// GPU-second. See scenarios/src/failure_rates.cpp for the grouping of the table's rows.
double llama3_failure_rate_per_gpu_s(ComponentKind kind);

struct ComponentRate {
  ComponentKind kind = ComponentKind::kGpu;
  double rate_per_gpu_s = 0;  // before FailureSpec::scale
};

struct FailureSpec {
  double scale = 1;
  double detection_s = 300;   // assumption (scenario.proto Failures.detection)
  double recovery_s = 1800;   // assumption (scenario.proto Failures.recovery)
  std::vector<ComponentRate> components;  // one per kind, in ComponentKind order
};

enum class CheckpointPolicy { kFixed, kYoungDaly };

struct CheckpointSpec {
  std::string tier;  // storage tier id (cluster.storage)
  CheckpointPolicy policy = CheckpointPolicy::kFixed;
  double interval_s = 0;  // kFixed only
  bool async = false;
};

}  // namespace stratum::scenarios
