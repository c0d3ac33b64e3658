// The command line on bad input: every malformed scenario (cases/, loader errors, and
// cli_cases/, errors found by checks that need the cost models or the trace reader) makes
// `stratum run` print exactly the expected errors, exit 1 without crashing, and write no files.
#include <gtest/gtest.h>

#include "../support/cli_runner.hpp"
#include "fuzz_cases.hpp"

namespace stratum::scenarios {
namespace {

const fs::path kCliCases = fs::path(STRATUM_SOURCE_DIR) / "tests" / "fuzz" / "cli_cases";

void expect_clean_rejection(const Case& c, const fs::path& dir) {
  const fs::path scratch = stratum::testing::scratch_dir("bad-" + c.name);
  const fs::path out = scratch / "out";
  const auto r = stratum::testing::run_stratum(
      "run " + stratum::testing::shell_quote(c.input.string()) + " --progress=none --out " +
          stratum::testing::shell_quote(out.string()),
      scratch);
  EXPECT_EQ(r.exit_code, 1) << c.name << "\n" << r.err;
  EXPECT_EQ(r.err, expected_errors(c, dir)) << c.name;
  EXPECT_EQ(r.out, "") << c.name;
  EXPECT_FALSE(fs::exists(out)) << c.name << " wrote results for invalid input";
  fs::remove_all(scratch);
}

class LoaderCaseOnCli : public ::testing::TestWithParam<Case> {};
TEST_P(LoaderCaseOnCli, ExitsOneWithTheExpectedErrorsAndNoOutput) { expect_clean_rejection(GetParam(), kCases); }
INSTANTIATE_TEST_SUITE_P(BadInput, LoaderCaseOnCli, ::testing::ValuesIn(list_cases()),
                         case_name);

class CliCase : public ::testing::TestWithParam<Case> {};
TEST_P(CliCase, ExitsOneWithTheExpectedErrorsAndNoOutput) { expect_clean_rejection(GetParam(), kCliCases); }
INSTANTIATE_TEST_SUITE_P(BadInput, CliCase, ::testing::ValuesIn(list_cases(kCliCases)),
                         case_name);

}  // namespace
}  // namespace stratum::scenarios
