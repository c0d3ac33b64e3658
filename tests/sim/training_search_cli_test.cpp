// `stratum search` end to end (issue 7, sim/src/training_search.cpp): on a small training
// scenario it lists valid layouts sorted by step time, every row's degrees multiply to the GPU
// count, layouts too big for memory are excluded and counted by term, and the output is the same
// bytes every time. Each run its own process, like the other CLI tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.hpp"

namespace fs = std::filesystem;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

// Llama 3.1 8B on two DGX A100 nodes (16 GPUs). The scenario's own layout (dp 16, no ZeRO: 16 bytes
// per parameter, 128 GB per GPU) does not fit: search must still run and find layouts that do.
const char* kScenario =
    "name: \"search-small\"\n"
    "cluster {\n"
    "  nodes { id: \"dgx\" count: 2 gpu: \"a100-sxm4-80gb\" gpus_per_node: 8 nics { per_gpu {} bandwidth: \"200 Gb/s\" } }\n"
    "  fabric { fat_tree { levels: 2 radix: 64 } tier { bandwidth: \"200 Gb/s\" latency: \"130 ns\" } }\n"
    "}\n"
    "fidelity: ANALYTIC\n"
    "training {\n"
    "  model: \"llama-3.1-8b\"\n"
    "  layout { dp: 16 }\n"
    "  global_batch: 64\n"
    "  seq_len: 4096\n"
    "}\n";

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream l(line);
    while (std::getline(l, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

fs::path write_scenario(const fs::path& dir) {
  const fs::path p = dir / "search_small.pbtxt";
  std::ofstream(p, std::ios::binary) << kScenario;
  return p;
}

TEST(SearchCli, RanksFittingLayoutsByStepTimeAndCountsTheOthers) {
  const fs::path dir = scratch_dir("search-cli");
  const fs::path scenario = write_scenario(dir);
  const auto r = run_stratum("search " + shell_quote(scenario.string()) + " --top 3 --out " +
                                 shell_quote((dir / "a").string()),
                             dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = csv_rows(read_file(dir / "a" / "search.csv"));
  ASSERT_GT(rows.size(), 100u);
  const std::vector<std::string>& h = rows.front();
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < h.size(); ++i) col[h[i]] = i;
  for (const char* c : {"rank", "dp", "tp", "pp", "cp", "fits", "oom_term", "step_time_s", "memory_bytes_per_gpu",
                        "capacity_bytes"}) {
    ASSERT_TRUE(col.count(c)) << c;
  }
  long long fitting = 0, not_fitting = 0;
  double last_step = 0;
  bool seen_not_fitting = false;
  std::map<std::string, long long> by_term;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ASSERT_EQ(row.size(), h.size()) << "row " << i;
    const long long gpus = std::stoll(row[col["dp"]]) * std::stoll(row[col["tp"]]) * std::stoll(row[col["pp"]]) *
                           std::stoll(row[col["cp"]]);
    EXPECT_EQ(gpus, 16) << "row " << i;
    const double memory = std::stod(row[col["memory_bytes_per_gpu"]]);
    const double capacity = std::stod(row[col["capacity_bytes"]]);
    if (row[col["fits"]] == "1") {
      EXPECT_FALSE(seen_not_fitting) << "fitting layouts come first";
      ++fitting;
      EXPECT_EQ(row[col["rank"]], std::to_string(fitting));
      EXPECT_LE(memory, capacity);
      const double step = std::stod(row[col["step_time_s"]]);
      EXPECT_GT(step, 0);
      EXPECT_GE(step, last_step) << "sorted by step time, row " << i;
      last_step = step;
    } else {
      seen_not_fitting = true;
      ++not_fitting;
      EXPECT_EQ(row[col["rank"]], "");
      EXPECT_EQ(row[col["step_time_s"]], "");
      EXPECT_GT(memory, capacity);
      ++by_term[row[col["oom_term"]]];
    }
  }
  EXPECT_GT(fitting, 0);
  EXPECT_GT(not_fitting, 0);
  // The scenario's own layout (dp 16, ZeRO 0, no recomputation, micro-batch 1) is excluded.
  bool own_excluded = false;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row[col["dp"]] == "16" && row[col["zero_stage"]] == "0" && row[col["recompute"]] == "none" &&
        row[col["micro_batch"]] == "1" && row[col["sequence_parallel"]] == "0") {
      own_excluded = row[col["fits"]] == "0";
    }
  }
  EXPECT_TRUE(own_excluded);

  const auto j = nlohmann::json::parse(read_file(dir / "a" / "search.json"));
  EXPECT_EQ(j["search"]["valid"].get<long long>(), fitting + not_fitting);
  EXPECT_EQ(j["search"]["fitting"].get<long long>(), fitting);
  EXPECT_EQ(j["search"]["out_of_memory"].get<long long>(), not_fitting);
  for (const auto& [term, n] : by_term) EXPECT_EQ(j["search"]["out_of_memory_by_term"][term].get<long long>(), n);
  ASSERT_EQ(j["search"]["best"].size(), 3u);
  EXPECT_EQ(j["search"]["best"][0]["step_time_s"].get<double>(), std::stod(rows[1][col["step_time_s"]]));

  // The printed table: the counts and the best 3, each with its why.
  EXPECT_NE(r.out.find(std::to_string(fitting) + " fit in memory, " + std::to_string(not_fitting) + " do not"),
            std::string::npos)
      << r.out;
  size_t whys = 0;
  for (size_t at = 0; (at = r.out.find("why: ", at)) != std::string::npos; ++at) ++whys;
  EXPECT_EQ(whys, 3u) << r.out;

  // Same scenario, same bytes.
  const auto again = run_stratum("search " + shell_quote(scenario.string()) + " --out " +
                                     shell_quote((dir / "b").string()),
                                 dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(dir / "a" / "search.csv"), read_file(dir / "b" / "search.csv"));
}

TEST(SearchCli, NeedsATrainingSection) {
  const fs::path dir = scratch_dir("search-cli-serving");
  const fs::path p = dir / "serving.pbtxt";
  std::ofstream(p, std::ios::binary)
      << "name: \"s\"\ncluster { nodes { id: \"n\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 1 } }\n"
         "serving {\n  model: \"llama-3.1-8b\"\n  replica { count: 1 }\n"
         "  workload { poisson { rate: \"1 /s\" } input { fixed: 10 } output { fixed: 10 } max_requests: 1 }\n}\n";
  const auto r = run_stratum("search " + shell_quote(p.string()) + " --out " + shell_quote((dir / "o").string()), dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("search needs a training section"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o"));
}

TEST(SearchCli, TopIsASearchOption) {
  const fs::path dir = scratch_dir("search-cli-usage");
  EXPECT_EQ(run_stratum("search " + shell_quote(write_scenario(dir).string()) + " --top 0", dir).exit_code, 2);
  EXPECT_EQ(run_stratum("validate " + shell_quote(write_scenario(dir).string()) + " --top 3", dir).exit_code, 2);
}

}  // namespace
