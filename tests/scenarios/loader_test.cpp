#include "stratum/scenarios/loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace stratum::scenarios {
namespace {

const std::string kData = STRATUM_SOURCE_DIR "/tests/scenarios/data/";

std::string write_temp(const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "stratum-loader-test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(ScenarioLoader, SmallScenarioInSiUnits) {
  Diagnostics diags;
  const auto s = load_scenario(kData + "small.pbtxt", {}, Catalog::builtin(), diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  EXPECT_TRUE(diags.ok());
  EXPECT_EQ(s->name, "llama-3.1-8b on one H100 node");
  EXPECT_EQ(s->seed, 42u);
  ASSERT_EQ(s->cluster.nodes.size(), 2u);
  const NodeGroup& dgx = s->cluster.nodes[0];
  EXPECT_EQ(dgx.id, "dgx");
  EXPECT_EQ(dgx.count, 2);
  EXPECT_EQ(dgx.gpu.id, "h100-sxm5-80gb");
  EXPECT_EQ(dgx.gpus_per_node, 8);
  EXPECT_EQ(dgx.intra, IntraConnect::kNvswitch);
  EXPECT_DOUBLE_EQ(dgx.intra_bandwidth, 450e9);  // from the catalogue's NVLink figure
  EXPECT_DOUBLE_EQ(dgx.intra_latency, 2e-6);
  const NodeGroup& box = s->cluster.nodes[1];
  EXPECT_EQ(box.count, 1);
  EXPECT_EQ(box.intra, IntraConnect::kPcie);     // L40S has no NVLink: default PCIE
  EXPECT_DOUBLE_EQ(box.intra_bandwidth, 32e9);   // PCIe Gen4 x16 per direction
  EXPECT_DOUBLE_EQ(box.intra_latency, 5.7e-6);   // NCCL's PCI ring latency

  ASSERT_TRUE(s->serving.has_value());
  const ServingSpec& sv = *s->serving;
  EXPECT_EQ(sv.model.id, "llama-3.1-8b");
  EXPECT_EQ(sv.precision, Precision::kFp8);
  EXPECT_EQ(sv.replicas.at(0).tensor_parallel, 2);
  EXPECT_EQ(sv.replicas.at(0).count, 4);
  EXPECT_EQ(sv.scheduler.kind, SchedulerKind::kContinuous);
  EXPECT_EQ(sv.scheduler.max_num_seqs, 128);
  EXPECT_EQ(sv.scheduler.max_batched_tokens, 4096);
  EXPECT_TRUE(sv.scheduler.chunked_prefill);
  EXPECT_EQ(sv.scheduler.block_size_tokens, 32);
  EXPECT_DOUBLE_EQ(sv.scheduler.gpu_memory_utilization, 0.85);
  EXPECT_EQ(sv.workload.kind, WorkloadKind::kPoisson);
  EXPECT_DOUBLE_EQ(sv.workload.rate_per_s, 5.0);
  EXPECT_EQ(sv.workload.input.kind, LengthKind::kUniform);
  EXPECT_EQ(sv.workload.input.min, 100);
  EXPECT_EQ(sv.workload.input.max, 2000);
  EXPECT_EQ(sv.workload.output.kind, LengthKind::kLognormal);
  EXPECT_DOUBLE_EQ(sv.workload.output.mean, 200);
  EXPECT_EQ(sv.workload.output.min, 1);
  EXPECT_EQ(sv.workload.output.max, 1024);
  EXPECT_EQ(sv.workload.max_requests, 1000);
  EXPECT_DOUBLE_EQ(sv.workload.duration_s, 600);
  EXPECT_DOUBLE_EQ(sv.slo.ttft_s.value(), 2.0);
  EXPECT_DOUBLE_EQ(sv.slo.tpot_s.value(), 0.1);
  EXPECT_FALSE(sv.slo.e2e_s.has_value());
  EXPECT_EQ(s->output.dir, "out/small");
  EXPECT_TRUE(s->output.trace);
  EXPECT_DOUBLE_EQ(s->output.timeseries_interval_s, 5);
}

TEST(ScenarioLoader, LocationsOfEveryField) {
  Diagnostics diags;
  const auto s = load_scenario(kData + "small.pbtxt", {}, Catalog::builtin(), diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  const std::string file = kData + "small.pbtxt";
  const SourceLocation tp = s->where("serving.replica[0].tensor_parallel");
  EXPECT_EQ(tp.file, file);
  EXPECT_EQ(tp.line, 18);
  EXPECT_EQ(tp.column, 13);
  const SourceLocation gpu = s->where("cluster.nodes[0].gpu");
  EXPECT_EQ(gpu.line, 8);
  EXPECT_EQ(gpu.column, 5);
  EXPECT_EQ(s->where("cluster.nodes[1].gpu").line, 13);
  EXPECT_EQ(s->where("cluster.nodes[1]").line, 13);
  EXPECT_EQ(s->where("cluster.nodes").line, 5);  // the list points at its first entry
  // Unset fields fall back to their nearest set ancestor, then to the file.
  const SourceLocation unset = s->where("serving.scheduler.continuous.not_a_field");
  EXPECT_EQ(unset.line, 20);
  const SourceLocation whole = s->where("training.steps");
  EXPECT_EQ(whole.file, file);
  EXPECT_EQ(whole.line, 0);
}

TEST(ScenarioLoader, TracePathResolvesAgainstTheScenarioDirectory) {
  Diagnostics diags;
  const auto s = load_scenario(kData + "trace.pbtxt", {}, Catalog::builtin(), diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  const WorkloadSpec& w = s->serving->workload;
  EXPECT_EQ(w.kind, WorkloadKind::kTrace);
  EXPECT_EQ(w.trace_format, TraceFormat::kAzureCsv);
  EXPECT_TRUE(std::filesystem::equivalent(w.trace_path,
                                          STRATUM_SOURCE_DIR "/scenarios/traces/azure-llm-2023/conv.csv"));
  EXPECT_DOUBLE_EQ(w.time_scale, 2);
  EXPECT_EQ(w.input.kind, LengthKind::kFromTrace);
  EXPECT_EQ(s->name, "trace");  // the file stem when unnamed
  EXPECT_EQ(s->seed, 1u);
  // Defaults of an unset scheduler: vLLM's.
  EXPECT_EQ(s->serving->scheduler.kind, SchedulerKind::kContinuous);
  EXPECT_EQ(s->serving->scheduler.block_size_tokens, 16);
  EXPECT_DOUBLE_EQ(s->serving->scheduler.gpu_memory_utilization, 0.9);
  EXPECT_EQ(s->serving->precision, Precision::kBf16);
}

TEST(ScenarioLoader, CollectsEverySemanticError) {
  const std::string path = write_temp("many.pbtxt",
                                      "cluster { nodes { id: \"n\" gpu: \"h100-sxm5-80gb\" gpus_per_node: 0 } }\n"
                                      "serving {\n"
                                      "  model: \"llama-3.1-8b\"\n"
                                      "  scheduler { continuous { block_size: 12 gpu_memory_utilization: 1.5 } }\n"
                                      "  workload { poisson { rate: \"5\" } input { fixed: 0 } }\n"
                                      "}\n");
  Diagnostics diags;
  EXPECT_FALSE(load_scenario(path, {}, Catalog::builtin(), diags).has_value());
  const std::string f = path;
  EXPECT_EQ(diags.to_string(),
            f + ":1:49: error: cluster.nodes[0].gpus_per_node is 0; expected an integer from 1 to 72\n" +
            f + ":4:28: error: serving.scheduler.continuous.block_size is 12; expected 8, 16 or 32\n" +
            f + ":4:43: error: serving.scheduler.continuous.gpu_memory_utilization is 1.5; expected a number in (0, 1]\n" +
            f + ":5:24: error: serving.workload.poisson.rate: missing unit in \"5\"; expected a rate as a number and a "
                "unit, one of: /s, /min, /h\n" +
            f + ":5:44: error: serving.workload.input.fixed is 0; expected an integer from 1 to 131072\n" +
            f + ":5:3: error: serving.workload.output is missing; expected a length distribution: fixed, uniform or "
                "lognormal\n" +
            f + ":5:3: error: serving.workload has synthetic arrivals without an end; expected max_requests or "
                "duration\n");
}

TEST(ScenarioLoader, MissingFileAndDirectory) {
  Diagnostics diags;
  EXPECT_FALSE(load_scenario(kData + "no-such.pbtxt", {}, Catalog::builtin(), diags).has_value());
  EXPECT_EQ(diags.to_string(), kData + "no-such.pbtxt: error: cannot open: No such file or directory; expected a "
                                       "readable scenario file\n");
  Diagnostics d2;
  EXPECT_FALSE(load_scenario(kData, {}, Catalog::builtin(), d2).has_value());
  EXPECT_NE(d2.to_string().find("is a directory; expected a scenario file"), std::string::npos);
}

TEST(ScenarioLoader, HugeFileIsRefusedCleanly) {
  const std::string path = write_temp("huge.pbtxt", std::string(17u << 20, ' '));
  Diagnostics diags;
  EXPECT_FALSE(load_scenario(path, {}, Catalog::builtin(), diags).has_value());
  EXPECT_EQ(diags.to_string(),
            path + ": error: file is 17825792 bytes, larger than 16 MiB; expected a smaller scenario file\n");
}

TEST(ScenarioLoader, AppendsToExistingDiagnostics) {
  Diagnostics diags;
  diags.error(SourceLocation{"earlier", 0, 0}, "x; expected y");
  const auto s = load_scenario(kData + "small.pbtxt", {}, Catalog::builtin(), diags);
  EXPECT_TRUE(s.has_value());  // earlier errors are not this file's
  EXPECT_EQ(diags.errors().size(), 1u);
}

TEST(ScenarioLoader, ParseOverride) {
  Override o;
  ASSERT_TRUE(parse_override("serving.replica.tensor_parallel=4", o));
  EXPECT_EQ(o.path, "serving.replica.tensor_parallel");
  EXPECT_EQ(o.value, "4");
  ASSERT_TRUE(parse_override("output.dir=a=b", o));
  EXPECT_EQ(o.value, "a=b");
  EXPECT_FALSE(parse_override("no-equals", o));
  EXPECT_FALSE(parse_override("=4", o));
}

TEST(ScenarioDiagnostics, Formatting) {
  Diagnostic d{SourceLocation{"a.pbtxt", 3, 7}, "bad; expected good"};
  EXPECT_EQ(d.to_string(), "a.pbtxt:3:7: error: bad; expected good");
  d.where = SourceLocation{"--set serving.replica.tensor_parallel", 0, 0};
  EXPECT_EQ(d.to_string(), "--set serving.replica.tensor_parallel: error: bad; expected good");
  Diagnostics all;
  EXPECT_TRUE(all.ok());
  all.error({"f", 1, 2}, "one; expected two");
  Diagnostics more;
  more.error({"g", 0, 0}, "three; expected four");
  all.append(more);
  EXPECT_FALSE(all.ok());
  EXPECT_EQ(all.to_string(), "f:1:2: error: one; expected two\ng: error: three; expected four\n");
}

TEST(ScenarioPrecision, NamesAndSizes) {
  EXPECT_STREQ(to_string(Precision::kBf16), "BF16");
  EXPECT_STREQ(to_string(Precision::kInt4), "INT4");
  EXPECT_DOUBLE_EQ(bytes_per_element(Precision::kBf16), 2);
  EXPECT_DOUBLE_EQ(bytes_per_element(Precision::kFp16), 2);
  EXPECT_DOUBLE_EQ(bytes_per_element(Precision::kFp8), 1);
  EXPECT_DOUBLE_EQ(bytes_per_element(Precision::kInt8), 1);
  EXPECT_DOUBLE_EQ(bytes_per_element(Precision::kInt4), 0.5);
}

}  // namespace
}  // namespace stratum::scenarios
