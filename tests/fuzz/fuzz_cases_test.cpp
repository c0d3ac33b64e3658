// Every malformed scenario under tests/fuzz/cases/ loads to exactly the diagnostics in its
// .expect file. In .expect files, FILE stands for the case's path and CASEDIR for the cases
// directory, so the expectations hold wherever the source tree is.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz_cases.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {


class FuzzCase : public testing::TestWithParam<Case> {};

TEST_P(FuzzCase, GivesExactlyTheExpectedErrors) {
  const Case& c = GetParam();
  ASSERT_TRUE(fs::exists(c.expect)) << "no " << c.expect << " for " << c.input;
  const std::string expected = expected_errors(c);
  Diagnostics diags;
  const auto scenario = load_scenario(c.input.string(), {}, Catalog::builtin(), diags);
  EXPECT_FALSE(scenario.has_value()) << c.name << " loaded, but it is meant to be invalid";
  EXPECT_FALSE(diags.ok());
  EXPECT_EQ(diags.to_string(), expected) << c.name;
}


INSTANTIATE_TEST_SUITE_P(ScenarioFuzz, FuzzCase, testing::ValuesIn(list_cases()), case_name);

TEST(ScenarioFuzz, AtLeastThirtyCasesEachWithAnExpectation) {
  const std::vector<Case> cases = list_cases();
  EXPECT_GE(cases.size(), 30u);
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.path().extension() != ".expect") continue;
    const bool has_input = std::any_of(cases.begin(), cases.end(),
                                       [&](const Case& c) { return c.expect == entry.path(); });
    EXPECT_TRUE(has_input) << entry.path() << " has no case file";
  }
}

}  // namespace
}  // namespace stratum::scenarios
