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
  // Stratum's analytic estimate with the paper's rank order [TP, CP, PP, DP] and FP32 gradient
  // reduction is 52.4 %, 28 % fast (the flow fidelity: 45.2 %), for the reasons docs/validation.md
  // ("Llama 3 405B") lists, first the flat 75 % GEMM efficiency of the H100 roofline prior. The
  // band asserts that estimate (so a change to the model that moves it shows here), not the
  // published one.
  const double mfu = m["mfu"].get<double>();
  EXPECT_GT(mfu, 0.43) << "now inside or below the published 38-43 % band: update docs/validation.md";
  EXPECT_NEAR(mfu, 0.524, 0.01);
  EXPECT_EQ(m["layout"]["rank_order"], "TP_CP_EP_PP_DP");
  // Each pipeline is tp 8 x pp 16 = 128 neighbouring GPUs, 16 of them per 2,048-GPU pod, so the
  // pipeline sends stay inside a pod: the NIC share, no cut.
  const auto& pp = m["links"]["pp"];
  EXPECT_EQ(pp["bandwidth_Bps"].get<double>(), 50e9);
  EXPECT_FALSE(pp.contains("limited_by"));
  // The data-parallel rings cross the pods instead, 128 GPUs apart: each of a pod's 128 rings
  // (tp 8 x 16 stages) leaves it once, 128 flows over its 16 TB/s of uplinks (64 spines with
  // round(32 leaves / 7) = 5 core links each at 50 GB/s), 125 GB/s each: above the NIC, no cut.
  EXPECT_EQ(m["links"]["dp"]["bandwidth_Bps"].get<double>(), 50e9);
  EXPECT_FALSE(m["links"]["dp"].contains("limited_by"));
  // The bubble: (p - 1) / (m v) = 15 / 128 = 11.7 % for equal stages (Narayanan et al. SC'21
  // section 2.2); the output layer and loss on the last stage's last chunk and the p2p sends add
  // to it: 14.5 %.
  EXPECT_GT(m["bubble_fraction"].get<double>(), 15.0 / 128);
  EXPECT_NEAR(m["bubble_fraction"].get<double>(), 0.145, 0.02);
  fs::remove_all(dir);
}

TEST(Llama3_405B, MegatronsDefaultOrderSendsThePipelineThroughThePodUplinks) {
  // The same layout in Megatron-LM's default order tp-cp-ep-dp-pp: a stage is tp 8 x dp 128 =
  // 1,024 neighbouring GPUs, two per pod, so the sends between stages 2k+1 and 2k+2 (and, with the
  // interleaved schedule, from stage 15 back to stage 0) leave the pods through their 7:1
  // uplinks (sim/training_contention.hpp): 1,024 GPUs send forward out of a pod and 1,024
  // backward, at once: 16 TB/s / 2,048 = 7.8125 GB/s per send instead of the NIC's 50 GB/s.
  const fs::path dir = scratch_dir("llama3-405b-megatron-order");
  const nlohmann::json m = run(dir, " --set training.layout.rank_order=TP_CP_EP_DP_PP");
  const auto& pp = m["links"]["pp"];
  EXPECT_EQ(pp["bandwidth_Bps"].get<double>(), 16e12 / 2048);
  EXPECT_EQ(pp["nic_share_Bps"].get<double>(), 50e9);
  EXPECT_EQ(pp["limited_by"]["tier"], "pod");
  EXPECT_EQ(pp["limited_by"]["uplink_bandwidth_Bps"].get<double>(), 16e12);
  EXPECT_EQ(pp["limited_by"]["concurrent_flows"].get<double>(), 2048);
  // A data-parallel group is one stage's 1,024 GPUs, inside a pod: the NIC share.
  EXPECT_EQ(m["links"]["dp"]["bandwidth_Bps"].get<double>(), 50e9);
  EXPECT_FALSE(m["links"]["dp"].contains("limited_by"));
  // Each 33.5 MB send takes 4.3 ms instead of 0.69 ms against one-layer chunks of 12 ms forward:
  // MFU 44.5 % against the paper's order's 52.4 %.
  EXPECT_NEAR(m["mfu"].get<double>(), 0.445, 0.01);
  EXPECT_NEAR(m["bubble_fraction"].get<double>(), 0.351, 0.03);
  fs::remove_all(dir);
}

TEST(Llama3_405B, LongContextRowFitsWithFlashAttention) {
  // Table 4's third row: 16,384 GPUs, TP 8, CP 16, PP 16, DP 8, sequences of 131,072 tokens (128
  // per 16 M-token batch, 16 per data-parallel group); published 380 TFLOP/s per GPU, 38 % MFU.
  // Each CP rank holds 8,192 tokens, as in the 8K row, and FlashAttention keeps no 8,192 x 131,072
  // score matrix (training_memory.hpp), so it fits as the paper says. Stratum: 48.7 % MFU, 28 %
  // fast like the 8K row (docs/validation.md); asserted as Stratum's figure.
  const fs::path dir = scratch_dir("llama3-405b-long");
  const nlohmann::json m = run(dir, " --set training.layout.cp=16 --set training.layout.dp=8"
                                    " --set training.seq_len=131072 --set training.global_batch=128");
  EXPECT_EQ(m["layout"]["micro_batches_per_step"], 16);
  EXPECT_LE(m["memory_peak_bytes_per_gpu"].get<double>(), 80e9);
  EXPECT_NEAR(m["mfu"].get<double>(), 0.487, 0.01);
  EXPECT_GT(m["mfu"].get<double>(), 0.38);
  fs::remove_all(dir);
}

TEST(Llama3_405B, EightThousandGpuRowDoesNotFitMegatronsInterleavedSchedule) {
  // Table 4's first row: 8,192 GPUs with DP 64, 32 micro-batches per pipeline. Under Megatron-LM's
  // interleaved schedule stage 1 holds 2 (p - 2) + (v - 1) p + 1 = 141 one-layer chunks in
  // flight, 2.4 GB more than an H100 holds; Llama 3 ran its own schedule with a tunable number of
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
