// Google Benchmark of the engine's per-iteration hot path outside SimGrid: the cost of one
// iteration (IterationModel::cost) and one scheduling round (Batcher::next_batch + complete),
// and of reading a trace.
// Whole-run speed is measured by scripts/bench-serving.sh (one engine per process).
#include <benchmark/benchmark.h>

#include <random>

#include "stratum/calibration/iteration.hpp"
#include "stratum/calibration/roofline.hpp"
#include "stratum/policies/batching.hpp"
#include "stratum/scenarios/catalog.hpp"
#include "stratum/scenarios/trace.hpp"

namespace {

using namespace stratum;

void BM_IterationCost(benchmark::State& state) {
  const auto& catalog = scenarios::Catalog::builtin();
  const calibration::RooflineCostModel costs(*catalog.find_gpu("h100-sxm5-80gb"));
  const calibration::IterationModel model(costs, *catalog.find_model("llama-3.1-8b"), scenarios::Precision::kBf16,
                                          {1, 450e9, 3.4e-6});
  calibration::IterationBatch batch;
  std::mt19937_64 rng(1);
  for (int i = 0; i < state.range(0); ++i) batch.decode_contexts.push_back(200 + static_cast<int64_t>(rng() % 2000));
  batch.prefill.push_back({512, 0});
  for (auto _ : state) benchmark::DoNotOptimize(model.cost(batch));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IterationCost)->Arg(1)->Arg(32)->Arg(256);

void BM_ContinuousBatchingRound(benchmark::State& state) {
  scenarios::SchedulerSpec spec;
  auto batcher = policies::make_batcher(spec, 30000, 131072);
  uint64_t next_id = 0;
  std::mt19937_64 rng(2);
  int64_t rounds = 0;
  for (auto _ : state) {
    while (batcher->stats().waiting + batcher->stats().running < state.range(0)) {
      policies::SequenceRequest request;
      request.id = next_id++;
      request.prompt_tokens = 200 + static_cast<int64_t>(rng() % 1500);
      request.output_tokens = 50 + static_cast<int64_t>(rng() % 300);
      batcher->enqueue(request);
    }
    const policies::Batch& batch = batcher->next_batch(0.0);
    benchmark::DoNotOptimize(batcher->complete(batch));
    batcher->take_rejections();
    ++rounds;
  }
  state.SetItemsProcessed(rounds);
}
BENCHMARK(BM_ContinuousBatchingRound)->Arg(32)->Arg(256);

// Reading the hour-long Azure conversation trace (19,366 rows), done once per run.
void BM_ReadAzureConversationTrace(benchmark::State& state) {
  const std::string path = STRATUM_SOURCE_DIR "/scenarios/traces/azure-llm-2023/conv.csv";
  for (auto _ : state) {
    scenarios::Diagnostics diags;
    benchmark::DoNotOptimize(scenarios::read_trace(path, scenarios::TraceFormat::kAzureCsv, diags));
  }
  state.SetItemsProcessed(state.iterations() * 19366);
}
BENCHMARK(BM_ReadAzureConversationTrace)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
