#include "stratum/sim/request_record.hpp"

namespace stratum::sim {

const char* to_string(RequestStatus s) {
  switch (s) {
    case RequestStatus::kPending: return "pending";
    case RequestStatus::kCompleted: return "completed";
    case RequestStatus::kRejected: return "rejected";
  }
  return "?";
}

}  // namespace stratum::sim
