#pragma once
// Private to scenarios/: the one mapping between the schema's Precision enum (scenario.proto,
// profile.proto share it) and scenarios::Precision, used by every loader and writer.
#include "stratum/scenario.pb.h"
#include "stratum/scenarios/scenario.hpp"

namespace stratum::scenarios::detail {

inline Precision precision_from_pb(pb::Precision p) {
  switch (p) {
    case pb::BF16: return Precision::kBf16;
    case pb::FP16: return Precision::kFp16;
    case pb::FP8: return Precision::kFp8;
    case pb::INT8: return Precision::kInt8;
    case pb::INT4: return Precision::kInt4;
  }
  return Precision::kBf16;  // unreachable: the text-format parser accepts only the enum's names
}

inline pb::Precision precision_to_pb(Precision p) {
  switch (p) {
    case Precision::kBf16: return pb::BF16;
    case Precision::kFp16: return pb::FP16;
    case Precision::kFp8: return pb::FP8;
    case Precision::kInt8: return pb::INT8;
    case Precision::kInt4: return pb::INT4;
  }
  return pb::BF16;
}

}  // namespace stratum::scenarios::detail
