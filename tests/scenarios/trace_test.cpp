#include "stratum/scenarios/trace.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

namespace stratum::scenarios {
namespace {

const std::string kTraces = STRATUM_SOURCE_DIR "/scenarios/traces/";

std::string write_temp(const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-trace-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

double mean_input(const std::vector<TraceRequest>& t) {
  return std::accumulate(t.begin(), t.end(), 0.0, [](double s, const TraceRequest& r) { return s + r.input_tokens; }) /
         static_cast<double>(t.size());
}

bool sorted(const std::vector<TraceRequest>& t) {
  return std::is_sorted(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.arrival_s < b.arrival_s; });
}

TEST(ScenarioTrace, AzureConversation) {
  TraceFormat format{};
  Diagnostics diags;
  ASSERT_TRUE(detect_trace_format(kTraces + "azure-llm-2023/conv.csv", format, diags));
  EXPECT_EQ(format, TraceFormat::kAzureCsv);
  const auto t = read_trace(kTraces + "azure-llm-2023/conv.csv", format, diags);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  ASSERT_EQ(t.size(), 19366u);
  // scenarios/traces/README.md: conv.csv input mean 1,155 tokens, output mean 211, 58 min.
  EXPECT_NEAR(mean_input(t), 1155, 0.5);
  EXPECT_TRUE(sorted(t));
  EXPECT_EQ(t.front().arrival_s, 0);
  EXPECT_GT(t.back().arrival_s, 57 * 60);
  EXPECT_LT(t.back().arrival_s, 60 * 60);
  // First rows: 18:15:46.6805900 (374, 44) then 18:15:50.9951690 (396, 109).
  EXPECT_EQ(t[0].input_tokens, 374);
  EXPECT_EQ(t[0].output_tokens, 44);
  EXPECT_NEAR(t[1].arrival_s, 4.314579, 1e-9);
  EXPECT_TRUE(t[0].hash_ids.empty());
}

TEST(ScenarioTrace, AzureCode) {
  Diagnostics diags;
  const auto t = read_trace(kTraces + "azure-llm-2023/code.csv", TraceFormat::kAzureCsv, diags);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  EXPECT_EQ(t.size(), 8819u);
  EXPECT_NEAR(mean_input(t), 2048, 1.0);  // README: code.csv input mean 2,048
  EXPECT_TRUE(sorted(t));
}

TEST(ScenarioTrace, MooncakeWithHashIds) {
  TraceFormat format{};
  Diagnostics diags;
  const std::string path = kTraces + "mooncake-fast25/synthetic_trace.jsonl";
  ASSERT_TRUE(detect_trace_format(path, format, diags));
  EXPECT_EQ(format, TraceFormat::kMooncakeJsonl);
  const auto t = read_trace(path, format, diags);
  ASSERT_TRUE(diags.ok()) << diags.to_string();
  ASSERT_EQ(t.size(), 3993u);
  EXPECT_TRUE(sorted(t));
  for (const TraceRequest& r : t) {
    ASSERT_FALSE(r.hash_ids.empty());
    // A hash id covers 512 tokens: ceil(input / 512) blocks.
    EXPECT_EQ(static_cast<int64_t>(r.hash_ids.size()), (r.input_tokens + 511) / 512);
  }
  EXPECT_EQ(t[0].input_tokens, 40160);
  EXPECT_EQ(t[0].hash_ids[0], 0u);
}

TEST(ScenarioTrace, BadAzureRowsAreLocated) {
  const std::string path = write_temp("bad.csv",
                                      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                      "2023-11-16 18:15:46.6805900,374,44\n"
                                      "2023-11-16 18:15:47.0000000,abc,44\n"
                                      "2023-13-16 18:15:48.0000000,10,0\n"
                                      "2023-11-16 18:15:49.0000000,10\n"
                                      "\n"
                                      "2023-11-16 18:15:40.5,20,5\r\n");
  Diagnostics diags;
  TraceFormat format{};
  ASSERT_TRUE(detect_trace_format(path, format, diags));
  const auto t = read_trace(path, format, diags);
  EXPECT_EQ(diags.to_string(),
            path + ":3:29: error: bad ContextTokens \"abc\"; expected an integer >= 1\n" + path +
                ":4:1: error: bad TIMESTAMP \"2023-13-16 18:15:48.0000000\"; expected YYYY-MM-DD HH:MM:SS.fffffff\n" +
                path + ":4:32: error: bad GeneratedTokens \"0\"; expected an integer >= 1\n" + path +
                ":5:1: error: row has 2 columns; expected 3 (TIMESTAMP,ContextTokens,GeneratedTokens)\n");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].input_tokens, 20);  // earlier arrival sorts first
  EXPECT_EQ(t[0].arrival_s, 0);
  EXPECT_NEAR(t[1].arrival_s, 6.18059, 1e-9);
}

TEST(ScenarioTrace, ErrorsAreCapped) {
  std::string text = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  for (int i = 0; i < 50; ++i) text += "bad row\n";
  const std::string path = write_temp("many.csv", text);
  Diagnostics diags;
  read_trace(path, TraceFormat::kAzureCsv, diags);
  ASSERT_EQ(diags.errors().size(), 21u);
  EXPECT_EQ(diags.errors().back().to_string(), path + ": error: 30 more errors not shown; expected a valid trace");
}

TEST(ScenarioTrace, BadMooncakeLines) {
  const std::string path = write_temp("bad.jsonl",
                                      "{\"timestamp\": 5, \"input_length\": 10, \"output_length\": 2, \"hash_ids\": [1]}\n"
                                      "{\"timestamp\": 1, \"input_length\": 10\n"
                                      "{\"timestamp\": -1, \"input_length\": 0, \"output_length\": 2}\n"
                                      "[1, 2]\n"
                                      "{\"timestamp\": 3, \"input_length\": 7, \"output_length\": 1, \"hash_ids\": [-4]}\n");
  Diagnostics diags;
  const auto t = read_trace(path, TraceFormat::kMooncakeJsonl, diags);
  EXPECT_EQ(diags.to_string(),
            path + ":2:36: error: invalid JSON; expected one object per line with timestamp, input_length, "
                   "output_length\n" +
                path + ":3:1: error: \"timestamp\" is -1; expected milliseconds >= 0\n" + path +
                ":3:1: error: \"input_length\" is 0; expected an integer >= 1\n" + path +
                ":4:1: error: line is not a JSON object; expected {\"timestamp\": ..., \"input_length\": ...}\n" + path +
                ":5:1: error: \"hash_ids\" holds -4; expected integers >= 0\n");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].arrival_s, 0);
}

TEST(ScenarioTrace, UnknownFormatAndMissingFile) {
  const std::string path = write_temp("what.txt", "hello\n");
  Diagnostics diags;
  TraceFormat format{};
  EXPECT_FALSE(detect_trace_format(path, format, diags));
  EXPECT_FALSE(detect_trace_format(path + ".missing", format, diags));
  EXPECT_EQ(diags.to_string(),
            path + ":1:1: error: unrecognised trace format; expected an Azure LLM CSV with the header "
                   "\"TIMESTAMP,ContextTokens,GeneratedTokens\" or Mooncake JSON lines ({\"timestamp\": ...})\n" +
                path + ".missing: error: cannot open: No such file or directory; expected a readable trace file\n");
}

}  // namespace
}  // namespace stratum::scenarios
