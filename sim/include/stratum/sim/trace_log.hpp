#pragma once
// Chrome Trace Event records (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU):
// `ts` and `dur` in microseconds; opens in Perfetto (ui.perfetto.dev).
#include <cstdint>
#include <string>
#include <vector>

namespace stratum::sim {

struct TraceSlice {  // "ph":"X", a complete event on one track
  int track = 0;     // tid: one per serving instance
  double start_s = 0;
  double duration_s = 0;
  int64_t prefill_tokens = 0;
  int64_t decode_tokens = 0;
  int64_t sequences = 0;
};

struct TraceCounter {  // "ph":"C"
  int track = 0;
  double time_s = 0;
  int64_t waiting = 0;
  int64_t running = 0;
  int64_t kv_blocks_used = 0;
};

// Issue 8: the serving instances by state after each change (an autoscaled run only); a
// "replicas" counter in trace.json.
struct TraceReplicaCounter {
  double time_s = 0;
  int instance = 0;  // the instance that changed
  int ready = 0, starting = 0, draining = 0;
};

struct TraceLog {
  std::vector<std::string> track_names;
  std::vector<TraceSlice> slices;
  std::vector<TraceCounter> counters;
  std::vector<TraceReplicaCounter> replicas;
};

}  // namespace stratum::sim
