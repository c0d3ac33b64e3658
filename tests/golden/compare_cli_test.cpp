// `stratum compare`: paired runs as child processes, the table, compare.csv, and its figures
// recomputed here from the runs' own metrics.json files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../support/cli_runner.hpp"
#include "stratum/sim/paired_stats.hpp"

namespace fs = std::filesystem;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

const std::string kExamples = STRATUM_SOURCE_DIR "/scenarios/examples/";

// compare.csv's row for `metric`, split at commas; empty when absent.
std::vector<std::string> csv_row(const std::string& csv, const std::string& metric) {
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(metric + ",", 0) != 0) continue;
    std::vector<std::string> fields;
    std::stringstream s(line);
    std::string f;
    while (std::getline(s, f, ',')) fields.push_back(f);
    return fields;
  }
  return {};
}

double throughput(const fs::path& run_dir) {
  return nlohmann::json::parse(read_file(run_dir / "metrics.json"))["throughput"]["requests_per_s"].get<double>();
}

// Recomputes throughput's paired comparison from the per-seed results and checks the CSV row.
void expect_throughput_row_as_computed(const fs::path& out, int seeds) {
  std::vector<double> a, b;
  for (int k = 1; k <= seeds; ++k) {
    a.push_back(throughput(out / "A" / ("seed-" + std::to_string(k))));
    b.push_back(throughput(out / "B" / ("seed-" + std::to_string(k))));
  }
  const stratum::sim::PairedComparison c = stratum::sim::compare_paired(a, b);
  const auto row = csv_row(read_file(out / "compare.csv"), "throughput.requests_per_s");
  ASSERT_EQ(row.size(), 8u);
  EXPECT_DOUBLE_EQ(std::stod(row[1]), c.mean_a);
  EXPECT_DOUBLE_EQ(std::stod(row[2]), c.mean_b);
  EXPECT_DOUBLE_EQ(std::stod(row[3]), c.diff);
  EXPECT_DOUBLE_EQ(std::stod(row[4]), c.ci_low);
  EXPECT_DOUBLE_EQ(std::stod(row[5]), c.ci_high);
  EXPECT_EQ(row[7], c.significant ? "yes" : "no");
}

TEST(CompareCli, ContinuousAgainstStaticBatchingOnTheSameRequests) {
  const fs::path dir = scratch_dir("compare-static");
  const fs::path out = dir / "cmp";
  const auto r = run_stratum("compare " + shell_quote(kExamples + "quickstart.pbtxt") + " " +
                                 shell_quote(kExamples + "static_batching.pbtxt") +
                                 " --set serving.workload.max_requests=300 --seeds 2 -j 2 --out " +
                                 shell_quote(out.string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 seeds (1..2), paired"), std::string::npos) << r.out;
  for (const char* m : {"requests.completed", "ttft_s.p99", "tpot_s.mean", "e2e_s.p99", "throughput.requests_per_s",
                        "goodput.requests_per_s", "utilization.gpu"}) {
    EXPECT_NE(r.out.find(m), std::string::npos) << m << "\n" << r.out;
  }
  // A replayed trace does not depend on the seed; the table says so.
  EXPECT_NE(r.out.find("no metric varied with the seed"), std::string::npos) << r.out;
  const std::string csv = read_file(out / "compare.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "metric,mean_a,mean_b,diff,ci_low,ci_high,relative,significant");
  EXPECT_EQ(csv_row(csv, "ttft_s.p99").size(), 8u) << csv;
  EXPECT_EQ(csv_row(csv, "requests.completed")[1], "300") << csv;
  expect_throughput_row_as_computed(out, 2);
  // Static batching serves the same 300 requests more slowly (Orca, OSDI 2022; vLLM, SOSP 2023).
  EXPECT_EQ(csv_row(csv, "throughput.requests_per_s")[7], "yes");
  EXPECT_LT(std::stod(csv_row(csv, "throughput.requests_per_s")[3]), 0);
  fs::remove_all(dir);
}

TEST(CompareCli, RandomWorkloadGivesARealInterval) {
  // The same Poisson scenario with a quarter of the prefill budget: runs vary with the seed, so
  // the interval has width; its bounds and verdict must match the per-seed metrics.
  const fs::path dir = scratch_dir("compare-poisson");
  std::string text = read_file(kExamples + "poisson_chat.pbtxt");
  const std::string from = "max_batched_tokens: 2048";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "max_batched_tokens: 512");
  std::ofstream(dir / "small_budget.pbtxt") << text;
  const fs::path out = dir / "cmp";
  const auto r = run_stratum("compare " + shell_quote(kExamples + "poisson_chat.pbtxt") + " " +
                                 shell_quote((dir / "small_budget.pbtxt").string()) +
                                 " --set serving.workload.max_requests=200 --seeds 3 --out " + shell_quote(out.string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto row = csv_row(read_file(out / "compare.csv"), "ttft_s.mean");
  ASSERT_EQ(row.size(), 8u);
  EXPECT_LT(std::stod(row[4]), std::stod(row[5])) << "the TTFT interval should have width";
  expect_throughput_row_as_computed(out, 3);
  fs::remove_all(dir);
}

TEST(CompareCli, OneSeedHasNoInterval) {
  const fs::path dir = scratch_dir("compare-one");
  const fs::path out = dir / "cmp";
  const auto r = run_stratum("compare " + shell_quote(kExamples + "quickstart.pbtxt") + " " +
                                 shell_quote(kExamples + "quickstart.pbtxt") +
                                 " --set serving.workload.max_requests=50 --seeds 1 --out " + shell_quote(out.string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no confidence interval (n/a)"), std::string::npos) << r.out;
  const auto row = csv_row(read_file(out / "compare.csv"), "throughput.requests_per_s");
  ASSERT_EQ(row.size(), 8u);
  EXPECT_EQ(row[3], "0");
  EXPECT_EQ(row[4], "n/a");
  EXPECT_EQ(row[5], "n/a");
  EXPECT_EQ(row[7], "n/a");
  fs::remove_all(dir);
}

TEST(CompareCli, InvalidInputRunsNothingAndUsageErrorsExit2) {
  const fs::path dir = scratch_dir("compare-bad");
  std::ofstream(dir / "bad.pbtxt") << "name: \"bad\"\nserving { model: \"no-such-model\" }\n";
  const fs::path out = dir / "cmp";
  const auto r = run_stratum("compare " + shell_quote((dir / "bad.pbtxt").string()) + " " +
                                 shell_quote((dir / "missing.pbtxt").string()) + " --out " + shell_quote(out.string()),
                             dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.pbtxt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.pbtxt"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  const std::string a = shell_quote(kExamples + "quickstart.pbtxt");
  EXPECT_EQ(run_stratum("compare " + a, dir).exit_code, 2);
  EXPECT_EQ(run_stratum("compare " + a + " " + a + " --seeds 0", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("compare " + a + " " + a + " -j x", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("compare " + a + " " + a + " --seed 3", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("run " + a + " --seeds 3", dir).exit_code, 2);
  fs::remove_all(dir);
}

}  // namespace
