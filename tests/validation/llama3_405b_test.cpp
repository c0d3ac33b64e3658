// Llama 3 405B pre-training with its published layout (Dubey et al. 2024, "The Llama 3 Herd of
// Models", arXiv 2407.21783, Table 4; REFERENCES.md): 16,384 H100, TP 8, CP 1, PP 16, DP 128,
// sequence 8,192, 16 M tokens per batch, interleaved schedule with one layer fewer on the first and
// last stage; published 400 TFLOP/s per GPU, 41 % BF16 MFU (8,192 GPUs with DP 64: 430, 43 %).
// Runs scenarios/examples/llama3_405b_16k_h100.pbtxt through the command line. The band asserted
// is Stratum's honest estimate, explained in docs/validation.md ("Llama 3 405B"); nothing is tuned
// to the published figure.
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

const std::string kScenario = STRATUM_SOURCE_DIR "/scenarios/examples/llama3_405b_16k_h100.pbtxt";

nlohmann::json run(const fs::path& dir, const std::string& extra) {
  const auto r = run_stratum("run " + shell_quote(kScenario) + " --progress=none --out " +
                                 shell_quote((dir / "out").string()) + extra, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(read_file(dir / "out" / "metrics.json"));
}

TEST(Llama3_405B, PublishedLayoutRunsWithUnevenStages) {
  const fs::path dir = scratch_dir("llama3-405b-layout");
  const nlohmann::json m = run(dir, "");
  EXPECT_EQ(m["gpus"], 16384);
  // 126 layers on pp 16 x 8 chunks: 7 on the first and on the last stage, 8 on the others; the
  // first chunk holds only the embedding, the last only the output layer and loss.
  const auto& stages = m["layout"]["stage_layers"];
  ASSERT_EQ(stages.size(), 16u);
  EXPECT_EQ(stages.front(), 7);
  EXPECT_EQ(stages.back(), 7);
  for (size_t i = 1; i + 1 < stages.size(); ++i) EXPECT_EQ(stages[i], 8) << i;
  EXPECT_EQ(m["layout"]["chunk_layers"].front(), 0);
  EXPECT_EQ(m["layout"]["chunk_layers"].back(), 0);
  EXPECT_EQ(m["layout"]["micro_batches_per_step"], 16);
  // It fits in an H100's 80 GB without activation checkpointing beyond FlashAttention's (the
  // paper's claim, section 3.3.2).
  EXPECT_LE(m["memory_peak_bytes_per_gpu"].get<double>(), 80e9);
  fs::remove_all(dir);
}

TEST(Llama3_405B, MfuAgainstTable4) {
  const fs::path dir = scratch_dir("llama3-405b-mfu");
  const nlohmann::json m = run(dir, "");
  // Published: 41 % BF16 MFU, 400 TFLOP/s per GPU (Table 4), inside the paper's 38-43 % band.
  // Stratum's analytic estimate with the H100 roofline prior is 44.6 %, just above the band (the
  // flow fidelity gives 40.9 %, inside it), for the reasons docs/validation.md ("Llama 3 405B")
  // lists (flat GEMM efficiency, perfect ECMP over the pod uplinks, FP32 gradient reduction and
  // document masks not modelled). The band asserts that estimate (so a change to the model that
  // moves it shows here), not the published one.
  const double mfu = m["mfu"].get<double>();
  EXPECT_GT(mfu, 0.43) << "now inside or below the published 38-43 % band: update docs/validation.md";
  EXPECT_NEAR(mfu, 0.446, 0.01);
  // Two stages per 2,048-GPU pod, so the pipeline sends between stages 2k+1 and 2k+2 (and, with the
  // interleaved schedule, from stage 15 back to stage 0) leave the pods through their 7:1 uplinks
  // (sim/training_contention.hpp). A pod: 32 leaves, 64 spines with c = round(32 / 7) = 5 core
  // links each at 50 GB/s, 16 TB/s up; 1,024 GPUs send forward out of it and 1,024 backward, at
  // once: 16 TB/s / 2,048 = 7.8125 GB/s per send instead of the NIC's 50 GB/s.
  const auto& pp = m["links"]["pp"];
  EXPECT_EQ(pp["bandwidth_Bps"].get<double>(), 16e12 / 2048);
  EXPECT_EQ(pp["nic_share_Bps"].get<double>(), 50e9);
  EXPECT_EQ(pp["limited_by"]["tier"], "pod");
  EXPECT_EQ(pp["limited_by"]["uplink_bandwidth_Bps"].get<double>(), 16e12);
  EXPECT_EQ(pp["limited_by"]["concurrent_flows"].get<double>(), 2048);
  // A data-parallel group is one stage's 1,024 GPUs, inside a pod: the NIC share.
  EXPECT_EQ(m["links"]["dp"]["bandwidth_Bps"].get<double>(), 50e9);
  EXPECT_FALSE(m["links"]["dp"].contains("limited_by"));
  // The bubble: (p - 1) / (m v) = 15 / 128 = 11.7 % for equal stages (Narayanan et al. SC'21
  // section 2.2); the output layer and loss on the last stage and the p2p transfers add to it, the
  // latter 4.3 ms each at the pod-uplink share against one-layer chunks of 12 ms forward: 35.1 %.
  EXPECT_GT(m["bubble_fraction"].get<double>(), 15.0 / 128);
  EXPECT_NEAR(m["bubble_fraction"].get<double>(), 0.351, 0.03);
  fs::remove_all(dir);
}

TEST(Llama3_405B, EightThousandGpuRowDoesNotFitMegatronsInterleavedSchedule) {
  // Table 4's first row: 8,192 GPUs with DP 64, 32 micro-batches per pipeline. Under Megatron-LM's
  // interleaved schedule stage 1 holds 2 (p - 2) + (v - 1) p + 1 = 141 one-layer chunks in
  // flight, 4.3 GB more than an H100 holds; Llama 3 ran its own schedule with a tunable number of
  // contiguous micro-batches (section 3.3.2, Figure 6), which this model does not have
  // (docs/validation.md).
  const fs::path dir = scratch_dir("llama3-405b-8k");
  const auto r = run_stratum("run " + shell_quote(kScenario) + " --progress=none --out " +
                                 shell_quote((dir / "out").string()) +
                                 " --set cluster.nodes[0].count=1024 --set training.layout.dp=64",
                             dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("out of memory on pipeline stage 1"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

}  // namespace
