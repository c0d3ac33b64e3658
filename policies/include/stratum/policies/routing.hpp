#pragma once
// Request routing across serving instances (issue 6): which instance a new request goes to.
// Decisions as pure functions of plain state (DESIGN.md section 1): no SimGrid, no I/O. The
// simulator fills a RouterView with every instance's load at the request's arrival and delivers
// the request to the index pick() returns.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "stratum/scenarios/scenario.hpp"

namespace stratum::policies {

// One serving instance's load as the router sees it.
struct InstanceLoad {
  int64_t outstanding = 0;      // routed here and not yet completed or rejected
  int64_t kv_blocks_used = 0;   // BatcherStats::kv_blocks_used
  int64_t kv_blocks_total = 0;  // BatcherStats::kv_blocks_total
  // Admission control (admission.hpp): prefill tokens queued at the arriving request's priority
  // or higher (Batcher::queued_prefill_tokens), and sequences running (BatcherStats::running).
  int64_t queued_prefill_tokens = 0;
  int64_t running = 0;
};

// Every instance's load at one instant; index i is serving instance i.
struct RouterView {
  std::span<const InstanceLoad> instances;
};

// What the router knows of a request when it arrives.
struct RequestView {
  uint64_t id = 0;
  int64_t input_tokens = 0;
  // Prefix block hashes (Mooncake trace hash_ids: one per 512-token block, equal ids mean an
  // equal prefix up to that block). Empty when the workload has none.
  std::span<const uint64_t> prefix_hashes;
};

// Common interface of the routing policies. pick() may update the router's own state (a
// round-robin cursor, a prefix cache, a random stream), so a router is deterministic given its
// seed and the sequence of calls.
class Router {
 public:
  virtual ~Router() = default;
  // The index of the instance to send `request` to; `state.instances` must not be empty.
  virtual size_t pick(const RouterView& state, const RequestView& request) = 0;
};

// The router a scenario's serving.router section names. `seed`: the run's seed (DESIGN.md
// section 2); only power_of_two draws from it.
std::unique_ptr<Router> make_router(const scenarios::RouterSpec& spec, uint64_t seed);

}  // namespace stratum::policies
