// Issue 6's serving features end to end, through the CLI (each run its own process: one SimGrid
// engine per process): priority classes, SLO-aware admission under overload, and speculative
// decoding. Every request ends completed or rejected with a reason; same seed, same bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

// Two Llama-3.1-8B instances on H100s, offered about twice the prefill work they can do (30
// requests/s of ~2,000-token prompts): queues and TTFT grow without admission control.
std::string overload(const std::string& extra_serving, const std::string& classes = "") {
  return "name: \"overload\"\nseed: 3\n"
         "cluster { nodes { id: \"n\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 2 } }\n"
         "serving {\n  model: \"llama-3.1-8b\"\n  replica { count: 2 }\n" +
         extra_serving +
         "\n  workload {\n    poisson { rate: \"30 /s\" }\n"
         "    input { lognormal { mean: 2000 stddev: 1000 min: 16 max: 8000 } }\n"
         "    output { lognormal { mean: 200 stddev: 150 min: 1 max: 1000 } }\n    max_requests: 3000\n" +
         classes + "\n  }\n  slo { ttft: \"2 s\" tpot: \"100 ms\" }\n}\n";
}

struct Result {
  json metrics;
  std::vector<std::vector<std::string>> rows;  // requests.csv, header first
  std::string metrics_text, requests_text;
};

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  out.push_back(cell);
  return out;
}

Result run(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path file = dir / (name + ".pbtxt");
  std::ofstream(file, std::ios::binary) << text;
  const auto r = run_stratum("run " + shell_quote(file.string()) + " --progress=none --out " +
                                 shell_quote((dir / name).string()),
                             dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Result out;
  out.metrics_text = read_file(dir / name / "metrics.json");
  out.requests_text = read_file(dir / name / "requests.csv");
  out.metrics = json::parse(out.metrics_text);
  std::istringstream csv(out.requests_text);
  std::string line;
  while (std::getline(csv, line)) out.rows.push_back(split_csv(line));
  return out;
}

size_t column(const Result& r, const std::string& name) {
  for (size_t i = 0; i < r.rows[0].size(); ++i) {
    if (r.rows[0][i] == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

// Every request completed or rejected with a reason; returns the rejections by reason prefix.
std::map<std::string, int> check_settled(const Result& r) {
  const size_t status = column(r, "status"), reason = column(r, "reason");
  std::map<std::string, int> rejected;
  EXPECT_EQ(r.rows.size() - 1, r.metrics["requests"]["arrived"].get<size_t>());
  for (size_t i = 1; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    EXPECT_TRUE(row[status] == "completed" || row[status] == "rejected") << row[0];
    if (row[status] == "rejected") {
      EXPECT_FALSE(row[reason].empty()) << row[0];
      ++rejected[row[reason].substr(0, row[reason].find(':'))];
    }
  }
  return rejected;
}

TEST(ServingFeatures, SloAwareAdmissionKeepsAdmittedTtftWithinReachUnderOverload) {
  const fs::path dir = scratch_dir("slo-admission");
  const Result plain = run(dir, "plain", overload(""));
  const Result gated = run(dir, "gated", overload("  admission { slo_aware {} }"));
  EXPECT_TRUE(check_settled(plain).empty());
  const auto rejected = check_settled(gated);
  ASSERT_GT(gated.metrics["requests"]["rejected"].get<int>(), 0);
  EXPECT_EQ(rejected.at("admission"), gated.metrics["admission"]["rejected"].get<int>());
  EXPECT_EQ(gated.metrics["admission"]["reasons"]["predicted_ttft"].get<int>(), rejected.at("admission"));
  const double before = plain.metrics["ttft_s"]["p99"].get<double>();
  const double after = gated.metrics["ttft_s"]["p99"].get<double>();
  // Without admission the p99 is far beyond the 2 s SLO; with it, clearly closer (the estimator
  // is prefill-bound, so it still admits some that miss: docs/models.md, Admission).
  EXPECT_GT(before, 4.0);
  EXPECT_LT(after, 0.75 * before) << "p99 TTFT " << before << " s without, " << after << " s with admission";
  EXPECT_GT(gated.metrics["goodput"]["requests_per_s"].get<double>(),
            plain.metrics["goodput"]["requests_per_s"].get<double>());
  // Same scenario and seed: the same bytes.
  const Result again = run(dir, "gated-again", overload("  admission { slo_aware {} }"));
  EXPECT_EQ(again.metrics_text, gated.metrics_text);
  EXPECT_EQ(again.requests_text, gated.requests_text);
  fs::remove_all(dir);
}

TEST(ServingFeatures, DeferredRequestsAreAdmittedLaterOrRejectedAfterTheirDeadline) {
  const fs::path dir = scratch_dir("defer");
  const Result r = run(dir, "defer", overload("  admission { slo_aware { on_violation: DEFER max_defer: \"1 s\" } }"));
  const auto rejected = check_settled(r);
  const json& a = r.metrics["admission"];
  EXPECT_GT(a["deferred"].get<int>(), 0);
  EXPECT_GT(a["deferred_admitted"].get<int>(), 0);
  EXPECT_EQ(a["deferred"].get<int>(), a["deferred_admitted"].get<int>() + a["reasons"].value("defer_expired", 0));
  EXPECT_EQ(rejected.count("admission") ? rejected.at("admission") : 0, a["rejected"].get<int>());
  // A request rejected after deferral waited its max_defer at the router: it was settled at
  // arrival + 1 s or later.
  const size_t status = column(r, "status"), reason = column(r, "reason"), arrival = column(r, "arrival_s"),
               finish = column(r, "finish_s");
  for (size_t i = 1; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    if (row[status] != "rejected" || row[reason].rfind("admission: deferred", 0) != 0) continue;
    EXPECT_GE(std::stod(row[finish]) - std::stod(row[arrival]), 1.0 - 1e-9) << row[0];
  }
  fs::remove_all(dir);
}

TEST(ServingFeatures, ClassesDoNotChangeArrivalsAndGetTheirOwnMetrics) {
  const fs::path dir = scratch_dir("classes");
  const Result plain = run(dir, "plain", overload(""));
  const Result classes =
      run(dir, "classes",
          overload("", "    classes { name: \"interactive\" share: 0.3 priority: 1 slo { ttft: \"1 s\" } }\n"
                       "    classes { name: \"batch\" share: 0.7 }"));
  ASSERT_EQ(plain.rows.size(), classes.rows.size());
  EXPECT_EQ(classes.rows[0].back(), "class");
  std::map<std::string, int> per_class;
  for (size_t i = 1; i < plain.rows.size(); ++i) {
    for (size_t c = 0; c < 4; ++c) EXPECT_EQ(plain.rows[i][c], classes.rows[i][c]) << "row " << i;  // id, arrival, lengths
    ++per_class[classes.rows[i].back()];
  }
  const json& k = classes.metrics["classes"];
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k[0]["requests"]["arrived"].get<int>(), per_class["interactive"]);
  EXPECT_NEAR(per_class["interactive"] / 3000.0, 0.3, 0.04);
  // Priority: the interactive class waits far less than the batch class under overload.
  EXPECT_LT(k[0]["ttft_s"]["p99"].get<double>(), 0.25 * k[1]["ttft_s"]["p99"].get<double>());
  EXPECT_DOUBLE_EQ(k[0]["goodput"]["slo"]["ttft_s"].get<double>(), 1.0);
  EXPECT_FALSE(plain.metrics.contains("classes"));
  fs::remove_all(dir);
}

TEST(ServingFeatures, SpeculativeDecodingEmitsTheAcceptanceModelsTokensPerStep) {
  const fs::path dir = scratch_dir("speculative");
  const std::string spec =
      "  speculative { draft_model: \"llama-3.2-1b\" num_speculative_tokens: 4 acceptance_rate: 0.7 }";
  const Result r = run(dir, "spec", overload(spec));
  EXPECT_TRUE(check_settled(r).empty());
  const json& s = r.metrics["speculative"];
  // Accepted / proposed draft tokens: with i.i.d. acceptance alpha and the tokens after the first
  // rejection discarded, (E - 1) / k = (2.773 - 1) / 4 = 0.443 when every step proposes k.
  EXPECT_NEAR(s["acceptance_rate"].get<double>(), ((1 - std::pow(0.7, 5)) / 0.3 - 1) / 4, 0.03);
  // Eq. (1): (1 - 0.7^5) / 0.3 = 2.77 with all k proposed; the last steps of each request propose
  // fewer, so the run's mean is a little lower.
  EXPECT_LT(s["mean_tokens_per_step"].get<double>(), (1 - std::pow(0.7, 5)) / 0.3 + 1e-9);
  EXPECT_GT(s["mean_tokens_per_step"].get<double>(), 2.5);
  EXPECT_EQ(r.metrics["tokens"]["output"].get<int64_t>(), [&] {
    int64_t sum = 0;
    const size_t out = column(r, "output_tokens");
    for (size_t i = 1; i < r.rows.size(); ++i) sum += std::stoll(r.rows[i][out]);
    return sum;
  }());
  fs::remove_all(dir);
}

}  // namespace
