#include "stratum/calibration/precision_plan.hpp"

namespace stratum::calibration {

using scenarios::Precision;

PrecisionPlan plan_precision(Precision serving) {
  switch (serving) {
    case Precision::kBf16:
      return {Precision::kBf16, Precision::kBf16, Precision::kBf16, Precision::kBf16};
    case Precision::kFp16:
      return {Precision::kFp16, Precision::kFp16, Precision::kFp16, Precision::kFp16};
    case Precision::kFp8:
      return {Precision::kFp8, Precision::kFp8, Precision::kBf16, Precision::kBf16};
    case Precision::kInt8:
      return {Precision::kInt8, Precision::kBf16, Precision::kBf16, Precision::kBf16};
    case Precision::kInt4:
      return {Precision::kInt4, Precision::kBf16, Precision::kBf16, Precision::kBf16};
  }
  return {serving, serving, serving, serving};
}

}  // namespace stratum::calibration
