#pragma once
// The `flow` fidelity: a CollectivePlan's steps sent as SimGrid communications on the platform, so
// they share links (by CM02's max-min sharing) with every other transfer in flight, other
// collectives and serving traffic included.
//
// Must be called from inside a SimGrid actor; it blocks that actor (simulated time passes) until
// the collective ends. Each step's transfers are started host to host with
// simgrid::s4u::Comm::sendto_async (no mailbox or receiving actor needed: SimGrid 3.32 "Comm"
// API) and awaited together with Comm::wait_all before the next step starts: the lock-step model
// of collective.hpp.
//
// Speed: about 4.5 us of wall time per transfer at 1,024 concurrent transfers (docs/performance.md);
// over half of it is SimGrid 3.32's CommImpl::finish searching a list of pending communications,
// which grows with the transfers in flight, so wide steps cost more per transfer than narrow ones.
#include <vector>

#include <simgrid/s4u/Comm.hpp>

#include "stratum/sim/collective.hpp"
#include "stratum/sim/platform.hpp"

namespace stratum::sim {

class FlowRunner {
 public:
  // Keeps a pointer to `platform`, which must outlive the runner. Use one runner per actor.
  explicit FlowRunner(const Platform& platform) : platform_(&platform) {}

  // Runs `plan` and returns the simulated seconds it took. Throws std::runtime_error (before
  // sending anything) when the platform lacks a route the plan needs.
  double run(const CollectivePlan& plan);

 private:
  const Platform* platform_;
  std::vector<Transfer> step_;
  std::vector<simgrid::s4u::CommPtr> comms_;
};

}  // namespace stratum::sim
