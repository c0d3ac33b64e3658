#pragma once
// Admission control in the router actor (issue 6): asks policies::Admission about each arrival,
// delivers, rejects with a reason, or holds deferred requests at the router and retries them
// whenever an instance finishes an iteration, until admitted or past their max_defer.
#include <simgrid/s4u.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "serving_instance.hpp"
#include "serving_shared.hpp"
#include "stratum/policies/admission.hpp"
#include "stratum/policies/routing.hpp"
#include "stratum/sim/request_prefixes.hpp"
#include "stratum/sim/serving_totals.hpp"

namespace stratum::sim {

class AdmissionGate {
 public:
  // Everything referenced must outlive the gate. `pool`: the instances requests may go to.
  AdmissionGate(ServingShared& shared, std::vector<std::unique_ptr<ServingInstance>>& instances,
                policies::Router& router, const RequestPrefixes* prefixes, const scenarios::ServingSpec& serving);

  void set_pool(std::vector<int> pool) { pool_ = std::move(pool); }
  // An arrival, at its arrival instant: routed and admitted, rejected, or deferred.
  void arrive(RequestRecord& request);
  // The router's sleep until the next arrival at `t`: while requests are deferred, it wakes after
  // every instance iteration to retry them, and at their deadlines.
  void wait_until(double t);
  // After the last arrival: until every deferred request is admitted or rejected.
  void drain();
  const AdmissionTotals& totals() const { return totals_; }

 private:
  struct Deferred {
    uint64_t id = 0;
    double deadline_s = 0;
    std::string reason;  // the latest decision's, for the final rejection
  };
  // Fills the loads for a request of `priority` and asks the router, then admission.
  policies::AdmissionDecision decide(const RequestRecord& r);
  void deliver(RequestRecord& r, size_t pool_index);
  void reject(RequestRecord& r, const std::string& reason, const char* kind);
  void retry(double now);
  double max_defer_s(const RequestRecord& r) const;

  ServingShared& shared_;
  std::vector<std::unique_ptr<ServingInstance>>& instances_;
  policies::Router& router_;
  const RequestPrefixes* prefixes_;
  const scenarios::ServingSpec& serving_;
  std::unique_ptr<policies::Admission> admission_;
  std::vector<int> pool_;
  std::vector<policies::InstanceLoad> loads_;
  std::vector<Deferred> deferred_;  // priority first (higher first), arrival order within
  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::ConditionVariablePtr wakeup_;
  AdmissionTotals totals_;
};

}  // namespace stratum::sim
