#include "serving_faults_loader.hpp"

#include <string>

namespace stratum::scenarios::detail {

void check_serving_faults(const Scenario& scenario, Checker& c, const ServingSpec& out) {
  if (!scenario.cluster.spot && !scenario.cluster.failures) return;
  const std::string p = scenario.cluster.spot ? "cluster.spot" : "cluster.failures";
  // What a loss would have to undo and is not modelled yet (docs/models.md "Replicas lost to spot
  // interruptions and failures"): KV transfers between pools, stages of one instance on several
  // nodes, requests deferred by admission control.
  if (out.disaggregated()) {
    c.error(p, p + ": a lost serving replica is modelled for co-located replicas only; expected no "
                   "PREFILL_ONLY / DECODE_ONLY replica groups");
  }
  for (const ReplicaSpec& r : out.replicas) {
    if (r.pipeline_parallel > 1) {
      c.error(p, p + ": a lost serving replica is modelled without pipeline stages; expected pipeline_parallel 1 in "
                     "every replica group");
      break;
    }
  }
  if (out.admission.kind != AdmissionKind::kNone) {
    c.error(p, p + ": a lost serving replica's requests go back through the replica fleet, which "
                   "serving.admission does not know; expected no admission block");
  }
}

}  // namespace stratum::scenarios::detail
