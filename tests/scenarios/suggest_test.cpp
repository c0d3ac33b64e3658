#include "stratum/scenarios/suggest.hpp"

#include <gtest/gtest.h>

namespace stratum::scenarios {
namespace {

TEST(ScenarioSuggest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("name", "nmae"), 2u);
}

TEST(ScenarioSuggest, ClosestMatch) {
  const std::vector<std::string> fields = {"name", "seed", "cluster", "serving", "output"};
  EXPECT_EQ(closest_match("nmae", fields), "name");
  EXPECT_EQ(closest_match("servng", fields), "serving");
  EXPECT_EQ(closest_match("clutser", fields), "cluster");
  EXPECT_FALSE(closest_match("training", fields).has_value());
  EXPECT_FALSE(closest_match("x", {"y"}).has_value());
  EXPECT_EQ(did_you_mean("h100", {"h100-sxm5-80gb", "h200-sxm-141gb"}), "did you mean \"h100-sxm5-80gb\"? ");
  EXPECT_EQ(did_you_mean("h1", {"h100-sxm5-80gb", "h200-sxm-141gb"}), "");
  EXPECT_EQ(did_you_mean("qwen", {"qwen2.5-7b", "qwen2.5-32b"}), "");  // ambiguous prefix
  EXPECT_EQ(did_you_mean("h100-sxm5-80g", {"h100-sxm5-80gb", "h200-sxm-141gb"}), "did you mean \"h100-sxm5-80gb\"? ");
  EXPECT_EQ(join({"a", "b", "c"}), "a, b, c");
}

}  // namespace
}  // namespace stratum::scenarios
