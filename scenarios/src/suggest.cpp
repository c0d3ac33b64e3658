#include "stratum/scenarios/suggest.hpp"

#include <algorithm>

namespace stratum::scenarios {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Two-row dynamic programme (Wagner-Fischer); names are short, so this stays cheap.
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitution});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // Threshold: a third of the word, at least 2, catches typos and transpositions without
  // suggesting unrelated names (an assumption of taste, as in most compilers' spell checkers).
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance && d < std::max(word.size(), c.size())) {
      best_distance = d;
      best = c;
    }
  }
  if (best || word.size() < 3) return best;
  // Short forms such as "h100" for "h100-sxm5-80gb": a prefix of exactly one candidate.
  for (const std::string& c : candidates) {
    if (c.size() > word.size() && c.compare(0, word.size(), word) == 0) {
      if (best) return std::nullopt;  // ambiguous
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  if (auto m = closest_match(word, candidates)) return "did you mean \"" + *m + "\"? ";
  return "";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(separator);
    out += items[i];
  }
  return out;
}

}  // namespace stratum::scenarios
