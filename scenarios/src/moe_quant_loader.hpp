#pragma once
// Private to scenarios/: serving.moe (expert routing skew) and serving.activations (the GEMM input
// format of a quantised model), with the load-time rejection of a quantisation the GPUs of the
// replica groups have no tensor cores for (issue 6).
#include "checker.hpp"
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

// Reads serving.moe into out.moe: an error on a dense model (out.model.experts == 0 with a known
// model id), zipf_skew from 0 to 4.
void load_moe(const pb::Serving& msg, Checker& c, ServingSpec& out);

// Reads serving.activations into out.activations (a pair valid_activations() allows), then checks
// that every node group a replica group may run on (its `nodes`, or every group when unset) has
// tensor cores for the GEMM input format. Needs out.precision and out.replicas.
void load_activations(const pb::Serving& msg, const ClusterSpec& cluster, Checker& c, ServingSpec& out);

}  // namespace stratum::scenarios::detail
