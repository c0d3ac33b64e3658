// Prefill-decode disaggregation against DistServe (Zhong et al., OSDI 2024, section 6.2, Figure 8):
// on its chatbot workload DistServe sustains 2.0x-4.6x the per-GPU request rate of vLLM (co-located,
// continuous batching) at 90 % SLO attainment under tight TTFT and TPOT SLOs. The shipped pair
// scenarios/examples/colocated_goodput.pbtxt and disaggregated_goodput.pbtxt (same 8 H100s, model,
// workload and SLO) run through the `stratum` command line over a grid of Poisson rates; each
// file's "goodput rate" is, as in DistServe, the highest rate of the grid up to which at least
// 90 % of requests meet the SLO.
//
// Tolerance: the ratio must lie in [1.5, 5.0]. The published range is 2.0-4.6 over three model
// sizes (OPT-13B/66B/175B on A100s); here the model, GPU, cost model (roofline, uncalibrated) and
// the 4:4 split (DistServe searches placements) differ, and the 10 /s grid quantises each rate by
// up to 10 /s (about 15 % of the co-located rate), so the lower bound is widened by 25 % and the
// upper one by about 10 %. The direction (disaggregation wins under a tight TPOT SLO) is the
// claim being checked. One seed suffices: each run holds 2,000 requests, and with seeds 1, 2 and 3
// the crossings were 70 /s co-located every time and 170, 160, 160 /s disaggregated (ratios
// 2.4, 2.3, 2.3), at most one grid step apart (measured when this test was written).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.hpp"

namespace fs = std::filesystem;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

const std::string kExamples = STRATUM_SOURCE_DIR "/scenarios/examples/";

// SLO attainment of `stem` at `rate` requests per second.
double attainment(const std::string& stem, int rate, const fs::path& dir, int seed = 7) {
  const fs::path out = dir / (stem + "-" + std::to_string(rate) + "-" + std::to_string(seed));
  const auto r = run_stratum("run " + shell_quote(kExamples + stem + ".pbtxt") + " --progress=none --seed " +
                                 std::to_string(seed) + " --set " +
                                 shell_quote("serving.workload.poisson.rate=" + std::to_string(rate) + " /s") +
                                 " --out " + shell_quote(out.string()),
                             dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto m = nlohmann::json::parse(read_file(out / "metrics.json"));
  return m["goodput"]["slo_attainment"].get<double>();
}

// Highest rate of 40, 50, ... up to which every rate meets the SLO for at least 90 % of requests.
int goodput_rate(const std::string& stem, const fs::path& dir, int seed = 7) {
  int best = 0;
  for (int rate = 40; rate <= 300; rate += 10) {
    if (attainment(stem, rate, dir, seed) < 0.9) break;
    best = rate;
  }
  return best;
}

TEST(DisaggregationValidation, GoodputRateRatioIsInDistServesRange) {
  const fs::path dir = scratch_dir("disaggregation-validation");
  const int colocated = goodput_rate("colocated_goodput", dir);
  const int disaggregated = goodput_rate("disaggregated_goodput", dir);
  ASSERT_GT(colocated, 0) << "the co-located deployment misses the SLO even at the lowest rate";
  const double ratio = static_cast<double>(disaggregated) / static_cast<double>(colocated);
  RecordProperty("colocated_rate", colocated);
  RecordProperty("disaggregated_rate", disaggregated);
  EXPECT_GE(ratio, 1.5) << colocated << " /s co-located vs " << disaggregated << " /s disaggregated";
  EXPECT_LE(ratio, 5.0) << colocated << " /s co-located vs " << disaggregated << " /s disaggregated";
  fs::remove_all(dir);
}

TEST(DisaggregationValidation, ShippedRateFavoursDisaggregation) {
  // At the examples' own 120 /s the co-located instances miss the 10 ms TPOT for most requests.
  const fs::path dir = scratch_dir("disaggregation-shipped");
  const double colocated = attainment("colocated_goodput", 120, dir);
  const double disaggregated = attainment("disaggregated_goodput", 120, dir);
  EXPECT_LT(colocated, 0.5);
  EXPECT_GT(disaggregated, 0.9);
  fs::remove_all(dir);
}

}  // namespace
