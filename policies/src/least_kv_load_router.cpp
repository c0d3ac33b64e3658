#include "stratum/policies/least_kv_load_router.hpp"

#include "stratum/policies/least_outstanding_router.hpp"

namespace stratum::policies {
namespace {

// used_a / total_a < used_b / total_b, exactly (cross-multiplied integers: KV block counts stay
// far below 2^31, so the products fit). An instance without KV blocks counts as full.
bool lighter(const InstanceLoad& a, const InstanceLoad& b) {
  if (a.kv_blocks_total <= 0) return false;
  if (b.kv_blocks_total <= 0) return true;
  return a.kv_blocks_used * b.kv_blocks_total < b.kv_blocks_used * a.kv_blocks_total;
}

}  // namespace

size_t LeastKvLoadRouter::pick(const RouterView& state, const RequestView& /*request*/) {
  const auto& inst = state.instances;
  size_t least = 0;
  for (size_t i = 1; i < inst.size(); ++i) {
    if (lighter(inst[i], inst[least])) least = i;
  }
  // Among the instances as light as the lightest, the least outstanding, ties round-robin.
  last_ = least_outstanding_from(state, last_, [&](size_t i) { return !lighter(inst[least], inst[i]); });
  return last_;
}

}  // namespace stratum::policies
