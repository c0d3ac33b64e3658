// Nothing lost (developers' brief): in every policy combination a 3-way covering array selects,
// every request of the workload ends completed or rejected with a reason, exactly once, in time
// order, and metrics.json counts agree with requests.csv. Each combination is one `stratum run`
// of base.pbtxt with --set overrides; incompatible choices are left out by `valid`.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/cli_runner.hpp"
#include "covering_array.hpp"

namespace fs = std::filesystem;
using stratum::testing::Combination;
using stratum::testing::read_file;
using stratum::testing::run_stratum;
using stratum::testing::scratch_dir;
using stratum::testing::shell_quote;

namespace {

struct Level {
  std::string label;
  std::vector<std::string> sets;  // --set PATH=VALUE overrides, applied in order
};

struct Dimension {
  std::string name;
  std::vector<Level> levels;
};

// Scheduler first: replacing the scheduler's oneof would drop settings made before it.
const std::vector<Dimension>& dimensions() {
  static const std::vector<Dimension> dims = {
      {"scheduler",
       {{"continuous", {}},
        {"chunked", {"serving.scheduler.continuous.chunked_prefill=true"}},
        {"static", {"serving.scheduler={static {batch_size: 8 timeout: \"50 ms\"}}"}}}},
      {"router",
       {{"least_outstanding", {}},
        {"round_robin", {"serving.router={round_robin {}}"}},
        {"least_kv_load", {"serving.router={least_kv_load {}}"}},
        {"power_of_two", {"serving.router={power_of_two {}}"}},
        {"prefix_aware", {"serving.router={prefix_aware {blocks_per_instance: 64}}"}}}},
      {"memory",
       {{"roomy", {}},
        // About 6 GB of KV per GPU: 49k tokens, fewer than two of the longest prompts.
        {"tight", {"serving.scheduler.continuous.gpu_memory_utilization=0.3"}}}},
      {"replicas", {{"one", {}}, {"four", {"serving.replica[0].count=4"}}}},
      {"load", {{"8x", {}}, {"32x", {"serving.workload.trace.time_scale=32"}}}},
      {"prefix_cache",
       {{"off", {}},
        {"on", {"serving.scheduler.continuous.prefix_caching=true"}},
        {"tiered",
         {"serving.scheduler.continuous.prefix_caching=true",
          "serving.kv_tiers={tier {kind: HOST_DRAM capacity: \"8 GiB\" bandwidth: \"50 GB/s\" latency: \"10 us\"}}"}}}},
      {"admission",
       {{"none", {}},
        {"queue_limit", {"serving.admission={queue_limit {max_outstanding_per_instance: 8}}"}},
        {"slo_reject", {"serving.admission={slo_aware {on_violation: REJECT}}"}},
        {"slo_defer", {"serving.admission={slo_aware {on_violation: DEFER max_defer: \"2 s\"}}"}}}},
      {"speculative",
       {{"off", {}},
        {"on", {"serving.speculative={draft_model: \"llama-3.2-1b\" num_speculative_tokens: 3 acceptance_rate: 0.6}"}}}},
      // After "replicas": these replace the replica groups.
      {"layout",
       {{"colocated", {}},
        {"pipeline", {"serving.replica[0].pipeline_parallel=2"}},
        {"disaggregated",
         {"serving.replica[0]={count: 2 role: PREFILL_ONLY}", "serving.replica[1]={count: 2 role: DECODE_ONLY}"}}}},
  };
  return dims;
}

int level_of(const Combination& c, const std::string& dimension, const std::string& label) {
  const auto& dims = dimensions();
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d].name != dimension) continue;
    return dims[d].levels[static_cast<size_t>(c[d])].label == label ? 1 : 0;
  }
  return 0;
}

bool valid(const Combination& c) {
  // Static batching has no gpu_memory_utilization of its own to lower.
  if (level_of(c, "scheduler", "static") && level_of(c, "memory", "tight")) return false;
  // Static batching keeps no prefix cache; the prefix-aware router needs one (a load-time error).
  if (level_of(c, "scheduler", "static") && level_of(c, "prefix_cache", "on")) return false;
  if (level_of(c, "router", "prefix_aware") && level_of(c, "prefix_cache", "off")) return false;
  if (level_of(c, "scheduler", "static") && level_of(c, "prefix_cache", "tiered")) return false;
  // Load-time errors by design: static batching has no speculative decoding or disaggregation;
  // admission runs co-located; the draft model runs without pipeline stages.
  if (level_of(c, "scheduler", "static") && level_of(c, "speculative", "on")) return false;
  if (level_of(c, "scheduler", "static") && level_of(c, "layout", "disaggregated")) return false;
  if (!level_of(c, "admission", "none") && level_of(c, "layout", "disaggregated")) return false;
  if (level_of(c, "speculative", "on") && level_of(c, "layout", "pipeline")) return false;
  return true;
}

std::string describe(const Combination& c) {
  std::string out;
  const auto& dims = dimensions();
  for (size_t d = 0; d < dims.size(); ++d) {
    if (!out.empty()) out += ' ';
    out += dims[d].name + "=" + dims[d].levels[static_cast<size_t>(c[d])].label;
  }
  return out;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') {
      quoted = !quoted;
    } else if (ch == ',' && !quoted) {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell += ch;
    }
  }
  cells.push_back(cell);
  return cells;
}

void check_run(const fs::path& out) {
  std::istringstream csv(read_file(out / "requests.csv"));
  std::string line;
  ASSERT_TRUE(std::getline(csv, line));
  std::map<std::string, size_t> col;
  const std::vector<std::string> header = split_csv(line);
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* name : {"id", "status", "reason", "arrival_s", "first_token_s", "finish_s"}) {
    ASSERT_TRUE(col.count(name)) << "requests.csv has no column " << name;
  }
  std::set<long> ids;
  long completed = 0, rejected = 0;
  while (std::getline(csv, line)) {
    const std::vector<std::string> row = split_csv(line);
    ASSERT_EQ(row.size(), header.size()) << line;
    EXPECT_TRUE(ids.insert(std::stol(row[col["id"]])).second) << "request listed twice: " << line;
    const std::string& status = row[col["status"]];
    if (status == "completed") {
      ++completed;
      const double arrival = std::stod(row[col["arrival_s"]]);
      const double first = std::stod(row[col["first_token_s"]]);
      const double finish = std::stod(row[col["finish_s"]]);
      EXPECT_LE(arrival, first) << line;
      EXPECT_LE(first, finish) << line;
    } else if (status == "rejected") {
      ++rejected;
      EXPECT_FALSE(row[col["reason"]].empty()) << "rejected without a reason: " << line;
    } else {
      ADD_FAILURE() << "request neither completed nor rejected: " << line;
    }
  }
  const auto metrics = nlohmann::json::parse(read_file(out / "metrics.json"));
  EXPECT_EQ(metrics["requests"]["arrived"].get<long>(), static_cast<long>(ids.size()));
  EXPECT_EQ(metrics["requests"]["completed"].get<long>(), completed);
  EXPECT_EQ(metrics["requests"]["rejected"].get<long>(), rejected);
  EXPECT_EQ(completed + rejected, static_cast<long>(ids.size()));
  EXPECT_GT(ids.size(), 0u);
}

TEST(Conservation, EveryRequestSettlesInEveryPolicyCombination) {
  std::vector<int> levels;
  for (const Dimension& d : dimensions()) levels.push_back(static_cast<int>(d.levels.size()));
  const std::vector<Combination> combos = stratum::testing::covering_array(levels, 3, valid);
  const fs::path dir = scratch_dir("conservation");
  const std::string base = shell_quote(STRATUM_SOURCE_DIR "/tests/conservation/base.pbtxt");
  int index = 0;
  for (const Combination& c : combos) {
    SCOPED_TRACE(describe(c));
    std::string args = "run " + base + " --progress=none";
    const auto& dims = dimensions();
    for (size_t d = 0; d < dims.size(); ++d) {
      for (const std::string& s : dims[d].levels[static_cast<size_t>(c[d])].sets) args += " --set " + shell_quote(s);
    }
    const fs::path out = dir / std::to_string(index++);
    const auto r = run_stratum(args + " --out " + shell_quote(out.string()), dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    check_run(out);
  }
  std::printf("%zu combinations (3-way covering array) all accounted for every request\n", combos.size());
  fs::remove_all(dir);
}

// The generator itself: every valid triple of levels appears, and invalid combinations never do.
TEST(CoveringArray, CoversEveryValidTripleAndOnlyValidCombinations) {
  const std::vector<int> levels = {3, 2, 4, 2, 3};
  const auto valid_fn = [](const Combination& c) { return !(c[0] == 2 && c[2] == 3); };
  const auto combos = stratum::testing::covering_array(levels, 3, valid_fn);
  std::set<std::vector<int>> seen;
  for (const auto& c : combos) {
    EXPECT_TRUE(valid_fn(c));
    for (int a = 0; a < 5; ++a)
      for (int b = a + 1; b < 5; ++b)
        for (int d = b + 1; d < 5; ++d) seen.insert({a, c[a], b, c[b], d, c[d]});
  }
  Combination c(5, 0);
  size_t needed = 0;
  std::set<std::vector<int>> all;
  do {
    if (!valid_fn(c)) continue;
    for (int a = 0; a < 5; ++a)
      for (int b = a + 1; b < 5; ++b)
        for (int d = b + 1; d < 5; ++d) all.insert({a, c[a], b, c[b], d, c[d]});
  } while (stratum::testing::detail::next_combination(c, levels));
  needed = all.size();
  EXPECT_EQ(seen.size(), needed);
  // Far fewer runs than the 144-combination product.
  EXPECT_LT(combos.size(), 60u);  // of 144
}

}  // namespace
