// cluster.spot, cluster.failures and training.checkpoint / elastic / duration (issue 8):
// defaults, every field read, the availability trace, and exact bad-input messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../support/scenario_text.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

constexpr const char* kFolder = "stratum-dynamics-loader-test";

// Two nodes of eight H100s and an object-store tier; `cluster_rest` goes inside cluster { },
// `rest` (default: a small training job) after it.
std::string scenario(const std::string& cluster_rest,
                     const std::string& rest = "training { model: \"llama-3.1-8b\" global_batch: 16 layout { dp: 16 } }\n") {
  return "cluster {\n"
         "  nodes { id: \"a\" count: 2 gpu: \"h100-sxm5-80gb\" gpus_per_node: 8 }\n"
         "  storage { tier { id: \"s3\" kind: OBJECT_STORE capacity: \"1000 TB\" } }\n" +
         cluster_rest + "}\n" + rest;
}

std::string errors(const std::string& name, const std::string& text, std::optional<Scenario>* out = nullptr) {
  return testing::load_errors(kFolder, name, text, out);
}

std::string write_trace(const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / kFolder;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << text;
  return (dir / name).string();
}

std::string without(std::string report, const std::string& path, const std::string& as) {
  for (size_t at; (at = report.find(path)) != std::string::npos;) report.replace(at, path.size(), as);
  return report;
}

TEST(DynamicsLoader, AbsentMeansNone) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("none.pbtxt", scenario("")), "");
  ASSERT_EQ(errors("none.pbtxt", scenario(""), &s), "");
  EXPECT_FALSE(s->cluster.spot.has_value());
  EXPECT_FALSE(s->cluster.failures.has_value());
}

TEST(DynamicsLoader, DefaultsFromReferences) {
  std::optional<Scenario> s;
  ASSERT_EQ(errors("defaults.pbtxt", scenario("  spot { interruption_rate: \"0.05 /h\" }\n  failures { }\n"), &s), "");
  const SpotSpec& spot = *s->cluster.spot;
  EXPECT_DOUBLE_EQ(spot.interruption_rate, 0.05 / 3600);
  EXPECT_DOUBLE_EQ(spot.notice_s, 120);  // AWS
  EXPECT_DOUBLE_EQ(spot.replacement_delay_s, 600);
  EXPECT_DOUBLE_EQ(spot.replacement_probability, 1);
  const FailureSpec& f = *s->cluster.failures;
  EXPECT_DOUBLE_EQ(f.scale, 1);
  EXPECT_DOUBLE_EQ(f.detection_s, 300);
  EXPECT_DOUBLE_EQ(f.recovery_s, 1800);
  ASSERT_EQ(f.components.size(), 6u);
  EXPECT_DOUBLE_EQ(f.components[0].rate_per_gpu_s, llama3_failure_rate_per_gpu_s(ComponentKind::kGpu));
  ASSERT_EQ(errors("gcp.pbtxt", scenario("  spot { interruption_rate: \"1 /h\" provider: GCP }\n"), &s), "");
  EXPECT_DOUBLE_EQ(s->cluster.spot->notice_s, 30);
}

TEST(DynamicsLoader, ReadsEveryField) {
  write_trace("ok.csv", "time,available_nodes\n0,2\n1 h,1\n# a comment\n7200,2\n");
  std::optional<Scenario> s;
  ASSERT_EQ(errors("all.pbtxt",
                   scenario("  spot { interruption_rate: \"0.1 /h\" availability_trace: \"ok.csv\" notice: \"60 s\"\n"
                            "         provider: AZURE replacement_delay: \"5 min\" replacement_probability: 0.5 }\n"
                            "  failures { scale: 10 detection: \"2 min\" recovery: \"1 h\"\n"
                            "             component { kind: SWITCH rate: \"1e-5 /h\" } }\n",
                            "training { model: \"llama-3.1-8b\" global_batch: 16 layout { dp: 16 }\n"
                            "  checkpoint { tier: \"s3\" interval: \"30 min\" async: true } elastic: true duration: \"2 h\" }\n"),
                   &s),
            "");
  const SpotSpec& spot = *s->cluster.spot;
  EXPECT_DOUBLE_EQ(spot.interruption_rate, 0.1 / 3600);
  EXPECT_DOUBLE_EQ(spot.notice_s, 60);
  EXPECT_EQ(spot.provider, SpotProvider::kAzure);
  EXPECT_DOUBLE_EQ(spot.replacement_delay_s, 300);
  EXPECT_DOUBLE_EQ(spot.replacement_probability, 0.5);
  ASSERT_EQ(spot.availability.size(), 3u);
  EXPECT_DOUBLE_EQ(spot.availability[1].time_s, 3600);
  EXPECT_EQ(spot.availability[1].available_nodes, 1);
  EXPECT_DOUBLE_EQ(spot.availability[2].time_s, 7200);
  const FailureSpec& f = *s->cluster.failures;
  EXPECT_DOUBLE_EQ(f.scale, 10);
  EXPECT_DOUBLE_EQ(f.detection_s, 120);
  EXPECT_DOUBLE_EQ(f.recovery_s, 3600);
  EXPECT_DOUBLE_EQ(f.components[static_cast<size_t>(ComponentKind::kSwitch)].rate_per_gpu_s, 1e-5 / 3600);
  EXPECT_DOUBLE_EQ(f.components[static_cast<size_t>(ComponentKind::kHbm)].rate_per_gpu_s,
                   llama3_failure_rate_per_gpu_s(ComponentKind::kHbm));
  const TrainingSpec& t = *s->training;
  ASSERT_TRUE(t.checkpoint.has_value());
  EXPECT_EQ(t.checkpoint->tier, "s3");
  EXPECT_EQ(t.checkpoint->policy, CheckpointPolicy::kFixed);
  EXPECT_DOUBLE_EQ(t.checkpoint->interval_s, 1800);
  EXPECT_TRUE(t.checkpoint->async);
  EXPECT_TRUE(t.elastic);
  EXPECT_DOUBLE_EQ(t.duration_s, 7200);
  ASSERT_EQ(errors("yd.pbtxt", scenario("", "training { model: \"llama-3.1-8b\" global_batch: 16 layout { dp: 16 }\n"
                                            "  checkpoint { tier: \"s3\" young_daly { } } }\n"),
                   &s),
            "");
  EXPECT_EQ(s->training->checkpoint->policy, CheckpointPolicy::kYoungDaly);
}

TEST(DynamicsLoader, TraceOutOfOrderIsReportedAtTheRowAndTheField) {
  const std::string trace = write_trace("order.csv", "time,available_nodes\n0,2\n2 h,1\n1 h,2\n");
  EXPECT_EQ(without(errors("order.pbtxt", scenario("  spot { availability_trace: \"order.csv\" }\n")), trace, "T"),
            "T:4:1: error: time 1 h is not after the previous row's 7200 s; expected times strictly increasing\n"
            "F:4:10: error: cluster.spot.availability_trace \"order.csv\" has timestamps out of order; expected times "
            "strictly increasing\n");
}

TEST(DynamicsLoader, BadTraceRows) {
  const std::string trace =
      write_trace("bad.csv", "time,available_nodes\n5,2\nsoon,1\n10,-1\n20\n");
  EXPECT_EQ(without(errors("badrows.pbtxt", scenario("  spot { availability_trace: \"bad.csv\" }\n")), trace, "T"),
            "T:2:1: error: the first row is at 5; expected the first row at time 0\n"
            "T:3:1: error: time \"soon\" is not a time from 0 to 366 days; expected seconds or a time with a unit, "
            "e.g. \"3 h\"\n"
            "T:4:4: error: available_nodes is \"-1\"; expected an integer from 0 to 100000\n"
            "T:5:1: error: row \"20\" has 1 column; expected time,available_nodes\n"
            "F:4:10: error: cluster.spot.availability_trace \"bad.csv\" is not a valid availability trace; expected rows "
            "time,available_nodes\n");
  const std::string header = write_trace("header.csv", "t,n\n0,2\n");
  EXPECT_EQ(without(errors("header.pbtxt", scenario("  spot { availability_trace: \"header.csv\" }\n")), header, "T"),
            "T:1:1: error: the header is \"t,n\"; expected \"time,available_nodes\"\n"
            "F:4:10: error: cluster.spot.availability_trace \"header.csv\" is not a valid availability trace; expected "
            "rows time,available_nodes\n");
  const std::string missing = errors("nofile.pbtxt", scenario("  spot { availability_trace: \"missing.csv\" }\n"));
  EXPECT_EQ(missing.rfind("F:4:10: error: cluster.spot.availability_trace \"missing.csv\": no such file", 0), 0u) << missing;
}

TEST(DynamicsLoader, BadFieldsAllAtOnce) {
  EXPECT_EQ(errors("bad.pbtxt",
                   scenario("  spot { interruption_rate: \"-1 /h\" notice: \"2 days\" replacement_delay: \"0 s\"\n"
                            "         replacement_probability: 1.5 }\n"
                            "  failures { scale: -1 detection: \"5\" component { kind: GPU }\n"
                            "             component { kind: GPU rate: \"1 /h\" } component { rate: \"1 /h\" } }\n",
                            "training { model: \"llama-3.1-8b\" global_batch: 16 layout { dp: 16 }\n"
                            "  checkpoint { tier: \"s4\" } duration: \"0 s\" }\n")),
            "F:4:10: error: cluster.spot.interruption_rate is \"-1 /h\"; expected a rate from 0 to 1 /s\n"
            "F:4:37: error: cluster.spot.notice: unknown unit \"days\" in \"2 days\"; expected a time as a number and a "
            "unit, one of: ns, us, ms, s, min, h\n"
            "F:4:54: error: cluster.spot.replacement_delay is \"0 s\"; expected a time greater than 0 and at most 366 days\n"
            "F:5:10: error: cluster.spot.replacement_probability is 1.5; expected a number from 0 to 1\n"
            "F:6:14: error: cluster.failures.scale is -1; expected a number from 0 to 1e6\n"
            "F:6:24: error: cluster.failures.detection: missing unit in \"5\"; expected a time as a number and a unit, one "
            "of: ns, us, ms, s, min, h\n"
            "F:6:39: error: cluster.failures.component[0].rate is missing; expected failures per GPU-hour, e.g. "
            "\"6.97e-6 /h\"\n"
            "F:7:26: error: cluster.failures.component[1].kind GPU is listed twice; expected each component kind at most "
            "once\n"
            "F:7:51: error: cluster.failures.component[2].kind is missing; expected one of GPU, HBM, NIC, HOST, SWITCH, "
            "SOFTWARE\n"
            "F:10:29: error: training.duration is \"0 s\"; expected a time greater than 0 and at most 366 days\n"
            "F:10:16: error: training.checkpoint.tier \"s4\" is not a tier of cluster.storage; did you mean \"s3\"? "
            "expected one of: s3\n"
            "F:10:3: error: training.checkpoint.interval is missing; expected interval: \"30 min\" or young_daly {}\n");
  EXPECT_EQ(errors("nothing.pbtxt", scenario("  spot { notice: \"30 s\" }\n")),
            "F:4:3: error: cluster.spot.interruption_rate is missing; expected an interruption_rate, an "
            "availability_trace, or both\n");
}

}  // namespace
}  // namespace stratum::scenarios
