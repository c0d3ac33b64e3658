#include "stratum/sim/collective_flow.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include <simgrid/s4u/Engine.hpp>

namespace stratum::sim {

double FlowRunner::run(const CollectivePlan& plan) {
  // Check every route first: SimGrid aborts the whole process on a transfer without a route.
  for (const int s : plan.change_points()) {
    plan.step(s, step_);
    for (const Transfer& t : step_) {
      if (!platform_->has_route(t.from, t.to)) {
        throw std::runtime_error("collective: the platform has no route from GPU " + std::to_string(t.from) +
                                 " to GPU " + std::to_string(t.to));
      }
    }
  }
  const double start = simgrid::s4u::Engine::get_clock();
  for (int s = 0; s < plan.step_count(); ++s) {
    plan.step(s, step_);
    comms_.clear();
    for (const Transfer& t : step_) {
      // Whole bytes: SimGrid sizes are integers; rounding moves a chunk by under one byte.
      const auto bytes = static_cast<std::uint64_t>(std::llround(t.bytes));
      comms_.push_back(simgrid::s4u::Comm::sendto_async(platform_->gpu_host(t.from), platform_->gpu_host(t.to), bytes));
    }
    simgrid::s4u::Comm::wait_all(comms_);
  }
  return simgrid::s4u::Engine::get_clock() - start;
}

}  // namespace stratum::sim
