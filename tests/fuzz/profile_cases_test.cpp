// Every malformed calibration profile under tests/fuzz/profile_cases/ loads to exactly the
// diagnostics in its .expect file (FILE stands for the case's path, CASEDIR for its folder), with
// no crash and no hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "fuzz_cases.hpp"
#include "stratum/scenarios/profile.hpp"

namespace stratum::scenarios {
namespace {

const fs::path kProfileCases = fs::path(STRATUM_SOURCE_DIR) / "tests" / "fuzz" / "profile_cases";

class ProfileFuzzCase : public testing::TestWithParam<Case> {};

TEST_P(ProfileFuzzCase, GivesExactlyTheExpectedErrors) {
  const Case& c = GetParam();
  ASSERT_TRUE(fs::exists(c.expect)) << "no " << c.expect << " for " << c.input;
  const std::string expected = expected_errors(c, kProfileCases);
  Diagnostics diags;
  const auto profile = load_profile(c.input.string(), diags);
  EXPECT_FALSE(profile.has_value()) << c.name << " loaded, but it is meant to be invalid";
  EXPECT_FALSE(diags.ok());
  EXPECT_EQ(diags.to_string(), expected) << c.name;
}


INSTANTIATE_TEST_SUITE_P(ProfileFuzz, ProfileFuzzCase, testing::ValuesIn(list_cases(kProfileCases)), case_name);

TEST(ProfileFuzz, AtLeastTwelveCasesEachWithAnExpectation) {
  const std::vector<Case> cases = list_cases(kProfileCases);
  EXPECT_GE(cases.size(), 12u);
  for (const auto& entry : fs::directory_iterator(kProfileCases)) {
    if (entry.path().extension() != ".expect") continue;
    const bool has_input = std::any_of(cases.begin(), cases.end(),
                                       [&](const Case& c) { return c.expect == entry.path(); });
    EXPECT_TRUE(has_input) << entry.path() << " has no case file";
  }
}

}  // namespace
}  // namespace stratum::scenarios
