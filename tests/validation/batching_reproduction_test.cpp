// Published batching results reproduced in direction and rough size, through the command line:
// - vLLM (Kwon et al., SOSP 2023): continuous batching with paged KV serves 2-4x the throughput
//   of FasterTransformer-style static batching at the same latency. Checked: at a load static
//   batching cannot sustain (scenarios/examples/continuous_vs_static_vllm.pbtxt), continuous
//   batching completes at least 2x the requests per second. No upper bound: the static baseline
//   here pads each batch's prefill to its longest prompt within the 8,192-token budget and holds
//   every slot until its longest output ends, so with ShareGPT-like lengths it runs a few requests
//   per batch and the measured gap (7.6x at 8 /s) exceeds the paper's, which compares at equal
//   latency rather than at saturation (docs/validation.md).
// - Sarathi-Serve (Agrawal et al., OSDI 2024): chunked prefill raises serving capacity under a
//   tight decode-latency SLO, up to 2.6x for Mistral-7B on one A100. Checked: goodput with
//   chunked prefill is 1.3x-3.5x the prefill-first baseline on
//   scenarios/examples/chunked_prefill_sarathi.pbtxt (measured 2.0x). The band is wide because
//   model, GPU, SLO definition (per-request TPOT, not P99 time between tokens) and the
//   uncalibrated roofline costs all differ from the paper's.
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

nlohmann::json run_example(const std::string& stem, const std::string& sets, const fs::path& out, const fs::path& dir) {
  const auto r = run_stratum("run " + shell_quote(STRATUM_SOURCE_DIR "/scenarios/examples/" + stem + ".pbtxt") +
                                 " --progress=none" + sets + " --out " + shell_quote(out.string()),
                             dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(read_file(out / "metrics.json"));
}

TEST(BatchingReproduction, ContinuousBatchingServesAtLeastTwiceStaticThroughput) {
  const fs::path dir = scratch_dir("vllm-repro");
  const auto continuous = run_example("continuous_vs_static_vllm", "", dir / "continuous", dir);
  const auto fixed = run_example("continuous_vs_static_vllm",
                                 " --set " + shell_quote("serving.scheduler={static {batch_size: 32 timeout: \"100 ms\"}}"),
                                 dir / "static", dir);
  const double c = continuous["throughput"]["requests_per_s"].get<double>();
  const double s = fixed["throughput"]["requests_per_s"].get<double>();
  std::printf("continuous %.2f req/s, static %.2f req/s, ratio %.1fx\n", c, s, c / s);
  EXPECT_EQ(continuous["requests"]["completed"].get<long>(), 1000);
  EXPECT_EQ(fixed["requests"]["completed"].get<long>(), 1000);
  EXPECT_GE(c / s, 2.0);
  fs::remove_all(dir);
}

TEST(BatchingReproduction, ChunkedPrefillRaisesGoodputAtHighLoad) {
  const fs::path dir = scratch_dir("sarathi-repro");
  const auto chunked = run_example("chunked_prefill_sarathi", "", dir / "chunked", dir);
  const auto whole = run_example("chunked_prefill_sarathi",
                                 " --set serving.scheduler.continuous.chunked_prefill=false", dir / "whole", dir);
  const double c = chunked["goodput"]["requests_per_s"].get<double>();
  const double w = whole["goodput"]["requests_per_s"].get<double>();
  std::printf("goodput chunked %.2f req/s, prefill-first %.2f req/s, ratio %.2fx\n", c, w, c / w);
  EXPECT_GE(c / w, 1.3);
  EXPECT_LE(c / w, 3.5);
  // Stall-free batching bounds decode stalls: the TPOT tail is no worse with chunks.
  EXPECT_LE(chunked["tpot_s"]["p99"].get<double>(), whole["tpot_s"]["p99"].get<double>());
  fs::remove_all(dir);
}

}  // namespace
