// Every example scenario runs from the command line; two runs with the same seed give identical
// bytes; every request appears exactly once in requests.csv (collectives examples: collectives.csv
// instead); metrics.json matches its stored
// golden copy (update only with scripts/update-golden.sh, which asks for the reason).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.hpp"

namespace fs = std::filesystem;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

std::vector<std::string> example_stems() {
  std::vector<std::string> stems;
  for (const auto& e : fs::directory_iterator(STRATUM_SOURCE_DIR "/scenarios/examples")) {
    if (e.path().extension() == ".pbtxt") stems.push_back(e.path().stem().string());
  }
  std::sort(stems.begin(), stems.end());
  return stems;
}

class Example : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path scenario() const { return fs::path(STRATUM_SOURCE_DIR "/scenarios/examples") / (GetParam() + ".pbtxt"); }
};

TEST_P(Example, RunsDeterministicallyAndAccountsForEveryRequest) {
  const fs::path dir = scratch_dir(GetParam());
  const auto a = run_stratum("run " + shell_quote(scenario().string()) + " --progress=none --out " +
                                 shell_quote((dir / "a").string()), dir);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = run_stratum("run " + shell_quote(scenario().string()) + " --progress=none --out " +
                                 shell_quote((dir / "b").string()), dir);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(fs::exists(dir / "a" / "run.json"));
  const fs::path golden = fs::path(STRATUM_SOURCE_DIR "/tests/golden/expected") / (GetParam() + ".metrics.json");
  if (fs::exists(dir / "a" / "collectives.csv")) {
    // A collectives workload (nccl-tests in simulation): no requests; its table must be identical
    // between runs, have a row per case, and its summary must match the golden copy.
    for (const char* file : {"metrics.json", "collectives.csv"}) {
      EXPECT_EQ(read_file(dir / "a" / file), read_file(dir / "b" / file)) << file << " differs between runs";
    }
    EXPECT_FALSE(fs::exists(dir / "a" / "requests.csv"));
    std::istringstream csv(read_file(dir / "a" / "collectives.csv"));
    std::string line;
    std::getline(csv, line);
    EXPECT_EQ(line, "op,bytes,ranks,algorithm,time_s,algbw_GBps,busbw_GBps");
    long rows = 0;
    while (std::getline(csv, line)) ++rows;
    const std::string metrics = read_file(dir / "a" / "metrics.json");
    EXPECT_NE(metrics.find("\"rows\": " + std::to_string(rows) + ","), std::string::npos);
    EXPECT_GT(rows, 0);
    ASSERT_TRUE(fs::exists(golden)) << "no golden copy; create it with scripts/update-golden.sh";
    EXPECT_EQ(metrics, read_file(golden)) << "metrics.json changed; if intended, run scripts/update-golden.sh";
    fs::remove_all(dir);
    return;
  }
  if (fs::exists(dir / "a" / "steps.csv")) {
    // A training workload (issue 7): no requests; its steps must be identical between runs, one
    // row per step of metrics.json's "steps", and its summary must match the golden copy.
    for (const char* file : {"metrics.json", "steps.csv"}) {
      EXPECT_EQ(read_file(dir / "a" / file), read_file(dir / "b" / file)) << file << " differs between runs";
    }
    EXPECT_FALSE(fs::exists(dir / "a" / "requests.csv"));
    std::istringstream csv(read_file(dir / "a" / "steps.csv"));
    std::string line;
    std::getline(csv, line);
    // Under faults (issue 8, training_faults.hpp) a row per execution of a step: metrics.json's
    // "step_executions"; else a row per step.
    const bool dynamics = line == "step,attempt,start_s,end_s,step_time_s,dp,status,reason";
    if (!dynamics) {
      EXPECT_EQ(line, "step,start_s,end_s,step_time_s,tokens,tokens_per_s,mfu,hfu,tflops_per_gpu,bubble_fraction");
    }
    long rows = 0;
    while (std::getline(csv, line)) ++rows;
    const std::string metrics = read_file(dir / "a" / "metrics.json");
    EXPECT_NE(metrics.find(std::string(dynamics ? "\"step_executions\": " : "\"steps\": ") + std::to_string(rows) + ","),
              std::string::npos);
    EXPECT_GT(rows, 0);
    ASSERT_TRUE(fs::exists(golden)) << "no golden copy; create it with scripts/update-golden.sh";
    EXPECT_EQ(metrics, read_file(golden)) << "metrics.json changed; if intended, run scripts/update-golden.sh";
    fs::remove_all(dir);
    return;
  }
  for (const char* file : {"metrics.json", "requests.csv", "timeseries.csv"}) {
    EXPECT_EQ(read_file(dir / "a" / file), read_file(dir / "b" / file)) << file << " differs between runs";
  }

  // Every request of the workload exactly once, and each one settled.
  std::istringstream csv(read_file(dir / "a" / "requests.csv"));
  std::string line;
  std::getline(csv, line);
  std::set<long> ids;
  long rows = 0;
  while (std::getline(csv, line)) {
    ++rows;
    ids.insert(std::stol(line.substr(0, line.find(','))));
    EXPECT_TRUE(line.find(",completed,") != std::string::npos || line.find(",rejected,") != std::string::npos) << line;
  }
  EXPECT_EQ(static_cast<long>(ids.size()), rows);
  const std::string metrics = read_file(dir / "a" / "metrics.json");
  EXPECT_NE(metrics.find("\"arrived\": " + std::to_string(rows) + ","), std::string::npos);

  ASSERT_TRUE(fs::exists(golden)) << "no golden copy; create it with scripts/update-golden.sh";
  EXPECT_EQ(metrics, read_file(golden)) << "metrics.json changed; if intended, run scripts/update-golden.sh";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Examples, Example, ::testing::ValuesIn(example_stems()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Cli, SeedChangesSyntheticResultsButNotTheirCount) {
  const fs::path dir = scratch_dir("seed");
  const std::string scenario = shell_quote(STRATUM_SOURCE_DIR "/scenarios/examples/poisson_chat.pbtxt");
  const auto a = run_stratum("run " + scenario + " --progress=none --seed 1 --out " + shell_quote((dir / "a").string()), dir);
  const auto b = run_stratum("run " + scenario + " --progress=none --seed 2 --out " + shell_quote((dir / "b").string()), dir);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(read_file(dir / "a" / "requests.csv"), read_file(dir / "b" / "requests.csv"));
  fs::remove_all(dir);
}

TEST(Cli, UsageErrorsExitTwo) {
  const fs::path dir = scratch_dir("usage");
  EXPECT_EQ(run_stratum("", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("frobnicate", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("run", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("run a.pbtxt --progress=loud", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("run a.pbtxt --bogus", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("help", dir).exit_code, 0);
  fs::remove_all(dir);
}

TEST(Cli, ProgressJsonIsOneObjectPerLineOnStderr) {
  const fs::path dir = scratch_dir("progress");
  const auto r = run_stratum("run " + shell_quote(STRATUM_SOURCE_DIR "/scenarios/examples/poisson_chat.pbtxt") +
                                 " --progress=json --out " + shell_quote((dir / "out").string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.err);
  std::string line;
  int n = 0;
  double last = -1;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    const double p = j.at("progress").get<double>();
    EXPECT_GT(p, last);
    last = p;
    ++n;
  }
  EXPECT_GT(n, 3);
  EXPECT_DOUBLE_EQ(last, 1.0);
  fs::remove_all(dir);
}

TEST(Cli, ValidateReportsEveryFile) {
  const fs::path dir = scratch_dir("validate");
  const std::string good = STRATUM_SOURCE_DIR "/scenarios/examples/quickstart.pbtxt";
  const std::string bad = STRATUM_SOURCE_DIR "/tests/fuzz/cli_cases/model-too-big.pbtxt";
  const auto ok = run_stratum("validate " + shell_quote(good), dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, good + ": ok\n");
  const auto mixed = run_stratum("validate " + shell_quote(good) + " " + shell_quote(bad), dir);
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_EQ(mixed.out, good + ": ok\n");
  EXPECT_EQ(mixed.err.rfind(bad + ":4:3: error: llama-3.1-405b in BF16 does not fit", 0), 0u) << mixed.err;
  fs::remove_all(dir);
}

TEST(Cli, CalibrateReportSummarisesAProfileAndRejectsABadOne) {
  const fs::path dir = scratch_dir("calibrate-report");
  const auto ok = run_stratum("calibrate-report " + shell_quote(STRATUM_SOURCE_DIR "/tests/scenarios/data/example-profile.pbtxt"), dir);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("profile of h100-sxm5-80gb", 0), 0u) << ok.out;
  for (const char* category : {"gemm", "attention_prefill", "attention_decode", "collectives", "copies"}) {
    EXPECT_NE(ok.out.find(category), std::string::npos) << category;
  }
  const auto bad = run_stratum("calibrate-report " + shell_quote(STRATUM_SOURCE_DIR "/tests/fuzz/profile_cases/attention-heads.pbtxt"), dir);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_NE(bad.err.find(": error: "), std::string::npos);
  EXPECT_EQ(run_stratum("calibrate-report", dir).exit_code, 2);
  fs::remove_all(dir);
}

// The command line hands the trace's prefix blocks to the router: prefix-aware routing of the
// Mooncake trace places requests differently from the default least-outstanding router (both with
// prefix caching, which prefix_aware needs).
TEST(Cli, PrefixAwareRoutingSeesTheTracesPrefixBlocks) {
  const fs::path dir = scratch_dir("prefix-router");
  const std::string scenario = shell_quote(STRATUM_SOURCE_DIR "/scenarios/examples/mooncake_dgx.pbtxt");
  const std::string few =
      " --set serving.workload.max_requests=400 --set serving.scheduler.continuous.prefix_caching=true"
      " --progress=none --out ";
  const auto a = run_stratum("run " + scenario + few + shell_quote((dir / "a").string()), dir);
  const auto b = run_stratum("run " + scenario + few + shell_quote((dir / "b").string()) +
                                 " --set 'serving.router={prefix_aware {}}'",
                             dir);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(read_file(dir / "a" / "requests.csv"), read_file(dir / "b" / "requests.csv"));
  fs::remove_all(dir);
}

// Issue 6's reproduction: prefix caching on the Mooncake synthetic trace
// (scenarios/examples/prefix_caching_mooncake.pbtxt, first 2,000 requests) hits a substantial
// share of prompt tokens and lowers median TTFT against the same deployment without it (and
// without the prefix-aware router, which needs it). The bounds: an unbounded single cache would
// hit 33.6 % of these prompt tokens (measured on the trace file), an upper bound four separate
// caches cannot pass; the run measures 29.1 %, and the lower bound 15 % leaves room for cost-model
// changes (calibration), which move iteration times and so routing and evictions. Median TTFT
// measures 0.126 s against 0.529 s (-76 %); the test asks for at least -50 %. Mooncake reports
// "up to 50 %" cache hit ratio for its traces (FAST25-release/README.md): the direction and rough
// size are what is checked.
TEST(Cli, PrefixCachingRaisesHitRateAndLowersTtftOnTheMooncakeTrace) {
  const fs::path dir = scratch_dir("prefix-caching");
  const std::string scenario = shell_quote(STRATUM_SOURCE_DIR "/scenarios/examples/prefix_caching_mooncake.pbtxt");
  const auto on = run_stratum("run " + scenario + " --progress=none --out " + shell_quote((dir / "on").string()), dir);
  const auto off = run_stratum("run " + scenario +
                                   " --set serving.scheduler.continuous.prefix_caching=false"
                                   " --set 'serving.kv_tiers={}' --set 'serving.router={least_outstanding {}}'"
                                   " --progress=none --out " +
                                   shell_quote((dir / "off").string()),
                               dir);
  ASSERT_EQ(on.exit_code, 0) << on.err;
  ASSERT_EQ(off.exit_code, 0) << off.err;
  const auto m_on = nlohmann::json::parse(read_file(dir / "on" / "metrics.json"));
  const auto m_off = nlohmann::json::parse(read_file(dir / "off" / "metrics.json"));
  EXPECT_FALSE(m_off.contains("prefix_cache"));
  const double hit = m_on.at("prefix_cache").at("hit_rate").get<double>();
  EXPECT_GT(hit, 0.15);
  EXPECT_LE(hit, 0.336);
  EXPECT_EQ(m_on.at("requests").at("arrived"), m_off.at("requests").at("arrived"));
  const double ttft_on = m_on.at("ttft_s").at("p50").get<double>();
  const double ttft_off = m_off.at("ttft_s").at("p50").get<double>();
  EXPECT_LT(ttft_on, 0.5 * ttft_off) << "TTFT p50 with caching " << ttft_on << " s, without " << ttft_off << " s";
  // requests.csv ends with cached_tokens, and they add up to the metric.
  std::istringstream csv(read_file(dir / "on" / "requests.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line.substr(line.rfind(',') + 1), "cached_tokens");
  long long cached = 0;
  while (std::getline(csv, line)) cached += std::stoll(line.substr(line.rfind(',') + 1));
  EXPECT_EQ(cached, m_on.at("prefix_cache").at("cached_tokens").get<long long>());
  fs::remove_all(dir);
}

TEST(Cli, CatalogListsEveryGpuAndModel) {
  const fs::path dir = scratch_dir("catalog");
  const auto r = run_stratum("catalog", dir);
  ASSERT_EQ(r.exit_code, 0);
  for (const char* id : {"h100-sxm5-80gb", "h200-sxm-141gb", "h800-sxm-80gb", "a100-sxm4-80gb", "a30-24gb", "l40s-48gb",
                         "rtx-4090-24gb", "jetson-agx-orin-64gb", "ascend-910b", "llama-3.1-8b", "llama-3.1-70b",
                         "llama-3.1-405b", "qwen2.5-7b", "qwen2.5-32b", "qwen2.5-72b", "mixtral-8x7b"}) {
    EXPECT_NE(r.out.find(id), std::string::npos) << id;
  }
  fs::remove_all(dir);
}

TEST(Cli, WorkloadOptionReplacesTheTrace) {
  const fs::path dir = scratch_dir("workload");
  const auto r = run_stratum("run " + shell_quote(STRATUM_SOURCE_DIR "/scenarios/examples/poisson_chat.pbtxt") +
                                 " --progress=none --workload " +
                                 shell_quote(STRATUM_SOURCE_DIR "/scenarios/traces/mooncake-fast25/synthetic_trace.jsonl") +
                                 " --set serving.replica[0].count=1 --out " + shell_quote((dir / "out").string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(dir / "out" / "metrics.json").find("\"arrived\": 3993,"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Cli, TraceOptionWritesChromeTraceEvents) {
  const fs::path dir = scratch_dir("trace");
  const auto r = run_stratum("run " + shell_quote(STRATUM_SOURCE_DIR "/scenarios/examples/poisson_chat.pbtxt") +
                                 " --progress=none --trace --out " + shell_quote((dir / "out").string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Perfetto's JSON importer reads the Chrome Trace Event format: an object with a traceEvents
  // array whose events carry ph, pid, tid, ts (and dur for complete events), in microseconds.
  const auto trace = nlohmann::json::parse(read_file(dir / "out" / "trace.json"));
  ASSERT_TRUE(trace.at("traceEvents").is_array());
  int slices = 0, counters = 0, names = 0;
  double last_end_us = 0;
  for (const auto& e : trace["traceEvents"]) {
    const std::string ph = e.at("ph");
    EXPECT_TRUE(e.at("pid").is_number_integer());
    EXPECT_TRUE(e.at("tid").is_number_integer());
    if (ph == "X") {
      ++slices;
      EXPECT_GE(e.at("dur").get<double>(), 0.0);
      last_end_us = std::max(last_end_us, e.at("ts").get<double>() + e.at("dur").get<double>());
    } else if (ph == "C") {
      ++counters;
      EXPECT_TRUE(e.at("args").contains("kv_blocks_used"));
    } else if (ph == "M") {
      ++names;
    } else {
      ADD_FAILURE() << "unexpected event type " << ph;
    }
  }
  EXPECT_EQ(names, 2);  // one track per serving instance
  EXPECT_GT(slices, 0);
  EXPECT_EQ(counters, slices);
  const auto metrics = nlohmann::json::parse(read_file(dir / "out" / "metrics.json"));
  EXPECT_LE(last_end_us / 1e6, metrics["simulated_time_s"].get<double>() + 1e-9);
  fs::remove_all(dir);
}

}  // namespace
