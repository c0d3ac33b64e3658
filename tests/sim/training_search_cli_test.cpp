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
  // Without both pipeline and data parallelism the orders place every group alike, and the
  // scenario's (the default) is kept.
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row[col["pp"]] == "1" || row[col["dp"]] == "1") {
      EXPECT_EQ(row[col["rank_order"]], "TP_CP_EP_DP_PP") << "row " << i;
    }
  }

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

// Llama 3.1 8B on 8 H100 nodes in 4 pods of 16 GPUs whose uplinks carry a quarter of their NICs
// (8 core links of 100 Gb/s against 16 NICs of 400 Gb/s): whether the pipeline or the data-parallel
// groups cross the pods depends on the rank order.
const char* kMultiPodScenario =
    "name: \"search-multi-pod\"\n"
    "cluster {\n"
    "  nodes { id: \"n\" count: 8 gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 intra: NVSWITCH\n"
    "          nics { per_gpu {} bandwidth: \"400 Gb/s\" } }\n"
    "  fabric { multi_pod { pod_gpus: 16 pod_oversubscription: 2 radix: 16 }\n"
    "           tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" } tier { bandwidth: \"400 Gb/s\" latency: \"1 us\" }\n"
    "           tier { bandwidth: \"100 Gb/s\" latency: \"1 us\" } }\n"
    "}\n"
    "fidelity: ANALYTIC\n"
    "training { model: \"llama-3.1-8b\" global_batch: 16 seq_len: 4096\n"
    "  layout { tp: 8 pp: 4 dp: 2 recompute: SELECTIVE } }\n";

TEST(SearchCli, TriesTheOtherRankOrderWherePipelineAndDataParallelismMeet) {
  const fs::path dir = scratch_dir("search-cli-order");
  const fs::path scenario = dir / "multi_pod.pbtxt";
  std::ofstream(scenario, std::ios::binary) << kMultiPodScenario;
  const auto r = run_stratum("search " + shell_quote(scenario.string()) + " --out " + shell_quote((dir / "a").string()), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = csv_rows(read_file(dir / "a" / "search.csv"));
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows.front().size(); ++i) col[rows.front()[i]] = i;
  ASSERT_TRUE(col.count("rank_order"));
  size_t other = 0, first_other = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row[col["rank_order"]] == "TP_CP_EP_DP_PP") continue;
    ASSERT_EQ(row[col["rank_order"]], "TP_CP_EP_PP_DP") << "row " << i;
    // Only where the orders differ: pipeline and data parallelism both present.
    EXPECT_GT(std::stoll(row[col["pp"]]), 1) << "row " << i;
    EXPECT_GT(std::stoll(row[col["dp"]]), 1) << "row " << i;
    EXPECT_EQ(row[col["fits"]], "1") << "row " << i;
    if (other++ == 0) first_other = i;
  }
  ASSERT_GT(other, 0u);
  // `stratum run` of that layout in that order gives the search's step time.
  const auto& row = rows[first_other];
  const std::map<std::string, std::string> schedule{{"1f1b", "ONE_F_ONE_B"}, {"interleaved", "INTERLEAVED"}};
  const std::map<std::string, std::string> recompute{{"none", "NONE"}, {"selective", "SELECTIVE"}, {"full", "FULL"}};
  ASSERT_EQ(row[col["split"]], "even");
  std::string sets;
  for (const char* f : {"dp", "tp", "pp", "cp", "virtual_stages", "zero_stage"}) {
    sets += std::string(" --set training.layout.") + f + "=" + row[col[f]];
  }
  sets += " --set training.layout.rank_order=TP_CP_EP_PP_DP";
  sets += " --set training.layout.schedule=" + schedule.at(row[col["schedule"]]);
  sets += " --set training.layout.recompute=" + recompute.at(row[col["recompute"]]);
  sets += std::string(" --set training.layout.sequence_parallel=") + (row[col["sequence_parallel"]] == "1" ? "true" : "false");
  sets += " --set training.micro_batch=" + row[col["micro_batch"]];
  const auto run = run_stratum("run " + shell_quote(scenario.string()) + " --progress=none --out " +
                                   shell_quote((dir / "run").string()) + sets,
                               dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto m = nlohmann::json::parse(read_file(dir / "run" / "metrics.json"));
  EXPECT_NEAR(m["step_time_s"].get<double>(), std::stod(row[col["step_time_s"]]), 1e-9 * m["step_time_s"].get<double>());
  // In the default order the same layout is slower (else the search would have kept it).
  const auto run_default = run_stratum("run " + shell_quote(scenario.string()) + " --progress=none --out " +
                                           shell_quote((dir / "run-default").string()) + sets +
                                           " --set training.layout.rank_order=TP_CP_EP_DP_PP",
                                       dir);
  ASSERT_EQ(run_default.exit_code, 0) << run_default.err;
  const auto md = nlohmann::json::parse(read_file(dir / "run-default" / "metrics.json"));
  EXPECT_GT(md["step_time_s"].get<double>(), m["step_time_s"].get<double>());
  fs::remove_all(dir);
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
