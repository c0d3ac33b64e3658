#pragma once
// A t-way covering array for combinatorial testing: a list of combinations (one level per
// dimension) such that every valid pairing of levels of any t dimensions appears in at least one
// combination (Cohen et al., "The AETG System", IEEE TSE 1997, greedy construction). Testing
// all pairs or triples finds most interaction faults at a fraction of the full product's cost
// (Kuhn, Wallace and Gallo, IEEE TSE 2004). Deterministic: the candidates come from a seeded stream.
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <vector>

namespace stratum::testing {

using Combination = std::vector<int>;  // level index per dimension
// False for a combination that cannot be run (incompatible choices); the array then covers only
// the t-tuples that some valid combination contains.
using Validity = std::function<bool(const Combination&)>;

namespace detail {

// Every t-subset of {0..n-1}, in lexicographic order.
inline void subsets(int n, int t, int first, std::vector<int>& cur, std::vector<std::vector<int>>& out) {
  if (static_cast<int>(cur.size()) == t) {
    out.push_back(cur);
    return;
  }
  for (int i = first; i < n; ++i) {
    cur.push_back(i);
    subsets(n, t, i + 1, cur, out);
    cur.pop_back();
  }
}

// Key of the t-tuple of `c` on the dimensions `dims`: dimension indices and levels packed.
inline std::vector<int> tuple_of(const Combination& c, const std::vector<int>& dims) {
  std::vector<int> key;
  for (int d : dims) {
    key.push_back(d);
    key.push_back(c[static_cast<size_t>(d)]);
  }
  return key;
}

inline bool next_combination(Combination& c, const std::vector<int>& levels) {
  for (size_t d = c.size(); d-- > 0;) {
    if (++c[d] < levels[d]) return true;
    c[d] = 0;
  }
  return false;
}

}  // namespace detail

// `levels[d]`: how many levels dimension d has. The full product is enumerated once to learn
// which t-tuples are coverable, so keep it to a few hundred thousand combinations.
inline std::vector<Combination> covering_array(const std::vector<int>& levels, int t, const Validity& valid,
                                               uint64_t seed = 1, int candidates = 64) {
  const int n = static_cast<int>(levels.size());
  t = std::min(t, n);
  std::vector<std::vector<int>> dim_sets;
  std::vector<int> cur;
  detail::subsets(n, t, 0, cur, dim_sets);
  // The t-tuples some valid combination contains.
  std::set<std::vector<int>> uncovered;
  std::vector<Combination> all_valid;
  Combination c(static_cast<size_t>(n), 0);
  do {
    if (!valid(c)) continue;
    all_valid.push_back(c);
    for (const auto& dims : dim_sets) uncovered.insert(detail::tuple_of(c, dims));
  } while (detail::next_combination(c, levels));

  std::vector<Combination> out;
  std::mt19937_64 rng(seed);
  const auto gain = [&](const Combination& x) {
    int g = 0;
    for (const auto& dims : dim_sets) g += static_cast<int>(uncovered.count(detail::tuple_of(x, dims)));
    return g;
  };
  while (!uncovered.empty()) {
    // AETG's step: among random valid candidates, plus one built around an uncovered tuple (so
    // progress is guaranteed), keep the one covering the most uncovered tuples.
    const std::vector<int>& target = *uncovered.begin();
    Combination best;
    int best_gain = -1;
    for (const Combination& x : all_valid) {
      bool has = true;
      for (size_t k = 0; k < target.size(); k += 2) has = has && x[static_cast<size_t>(target[k])] == target[k + 1];
      if (!has) continue;
      best = x;
      best_gain = gain(x);
      break;
    }
    std::uniform_int_distribution<size_t> pick(0, all_valid.size() - 1);
    for (int k = 0; k < candidates; ++k) {
      const Combination& x = all_valid[pick(rng)];
      const int g = gain(x);
      if (g > best_gain) {
        best = x;
        best_gain = g;
      }
    }
    for (const auto& dims : dim_sets) uncovered.erase(detail::tuple_of(best, dims));
    out.push_back(best);
  }
  return out;
}

}  // namespace stratum::testing
