#pragma once
// Private to scenarios/: the serving sections of issue 6 that are not routing — priority classes
// (serving.workload.classes), admission control (serving.admission) and speculative decoding
// (serving.speculative) — read into ServingSpec with every problem reported at its field.
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads serving.workload.classes into out.classes; each class SLO is resolved field by field over
// out.slo, so out.slo must be read already.
void load_priority_classes(const pb::Serving& msg, Checker& c, ServingSpec& out);

// Reads serving.admission; needs out.slo and out.classes (slo_aware needs a TTFT bound).
void load_admission(const pb::Serving& msg, Checker& c, ServingSpec& out);

// Reads serving.speculative; needs out.model (empty id when the model was invalid), out.scheduler
// and out.replicas.
void load_speculative(const pb::Serving& msg, const Catalog& catalog, Checker& c, ServingSpec& out);

}  // namespace stratum::scenarios::detail
