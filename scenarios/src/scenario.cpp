#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios {

const char* to_string(Precision p) {
  switch (p) {
    case Precision::kBf16: return "BF16";
    case Precision::kFp16: return "FP16";
    case Precision::kFp8: return "FP8";
    case Precision::kInt8: return "INT8";
    case Precision::kInt4: return "INT4";
  }
  return "?";
}

// The schema's own names (scenario.proto), so that text written from them reads back.
const char* to_string(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::kAllReduce: return "ALL_REDUCE";
    case CollectiveOp::kAllGather: return "ALL_GATHER";
    case CollectiveOp::kReduceScatter: return "REDUCE_SCATTER";
    case CollectiveOp::kAllToAll: return "ALL_TO_ALL";
    case CollectiveOp::kBroadcast: return "BROADCAST";
    case CollectiveOp::kSendRecv: return "SEND_RECV";
  }
  return "?";
}

const char* to_string(CollectiveAlgorithm algorithm) {
  switch (algorithm) {
    case CollectiveAlgorithm::kRing: return "RING";
    case CollectiveAlgorithm::kTree: return "TREE";
    case CollectiveAlgorithm::kHierarchical: return "HIERARCHICAL";
    case CollectiveAlgorithm::kAuto: return "AUTO";
  }
  return "?";
}

const char* to_string(RankOrder order) {
  switch (order) {
    case RankOrder::kTpCpEpDpPp: return "TP_CP_EP_DP_PP";
    case RankOrder::kTpCpEpPpDp: return "TP_CP_EP_PP_DP";
  }
  return "?";
}

const char* to_string(ReplicaRole role) {
  switch (role) {
    case ReplicaRole::kColocated: return "COLOCATED";
    case ReplicaRole::kPrefill: return "PREFILL_ONLY";
    case ReplicaRole::kDecode: return "DECODE_ONLY";
  }
  return "?";
}

const char* to_string(KvTierKind kind) {
  switch (kind) {
    case KvTierKind::kHostDram: return "HOST_DRAM";
    case KvTierKind::kLocalNvme: return "LOCAL_NVME";
    case KvTierKind::kRemotePool: return "REMOTE_POOL";
  }
  return "?";
}

// Storage size of one element: 16-bit formats 2 bytes, 8-bit formats 1, INT4 packs two per byte
// (AWQ, Lin et al. MLSys 2024; GPTQ, Frantar et al. ICLR 2023).
double bytes_per_element(Precision p) {
  switch (p) {
    case Precision::kBf16:
    case Precision::kFp16: return 2.0;
    case Precision::kFp8:
    case Precision::kInt8: return 1.0;
    case Precision::kInt4: return 0.5;
  }
  return 2.0;
}

SourceLocation Scenario::where(const std::string& path) const {
  std::string p = path;
  while (!p.empty()) {
    if (auto it = locations.find(p); it != locations.end()) return it->second;
    // Strip the last component: ".field" or "[index]".
    const size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return SourceLocation{file, 0, 0};
}

}  // namespace stratum::scenarios
