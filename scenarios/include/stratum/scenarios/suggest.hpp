#pragma once
// "Did you mean" for unknown names: the closest candidate by edit distance, when close enough.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratum::scenarios {

// Levenshtein distance (insertions, deletions, substitutions each cost 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if its distance is at most max(2, |word| / 3) and smaller
// than the longer of the two (so that "x" does not suggest "y"). Ties go to the earlier candidate.
// Failing that, the only candidate that `word` (3 characters or more) is a prefix of ("h100").
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// `closest_match` formatted for messages: "did you mean \"name\"? " or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c" for "expected one of: a, b, c".
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace stratum::scenarios
