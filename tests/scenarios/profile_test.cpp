// Calibration profiles: format -> load round trip, the hand-written example, built-in profiles,
// and profiles named by a scenario.
#include "stratum/scenarios/profile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios {
namespace {

namespace fs = std::filesystem;

const std::string kData = STRATUM_SOURCE_DIR "/tests/scenarios/data/";

std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "stratum-profile-test";
  fs::create_directories(dir);
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

Timing timing(double median, int repetitions = 25) {
  // Odd values on purpose: CUDA-event times are float milliseconds scaled to seconds, with no short
  // decimal form; they must still read back within a few ulps.
  return Timing{median, median * (1 - 1.0 / 3 / 100), median * (1 + 1.0 / 7 / 100), repetitions};
}

// Every sample kind, every field away from its default, values that have no short decimal form.
Profile synthetic_profile() {
  Profile p;
  p.header.gpu_id = "a100-sxm4-80gb";
  p.header.gpu_name = "NVIDIA A100-SXM4-80GB";
  p.header.driver_version = "535.104.05";
  p.header.cuda_version = "12.2";
  p.header.nccl_version = "2.18.3";
  p.header.sm_clock_mhz = 1410;
  p.header.memory_clock_mhz = 1593;
  p.header.power_limit_w = 400;
  p.header.date = "2026-01-02T03:04:05Z";
  p.header.tool = "stratum-calibrate 0.1";
  p.header.notes = "quotes \" backslash \\ newline\n and UTF-8: µs";
  p.gemm.push_back(GemmSample{4096, 4096, 4096, Precision::kBf16, 1, timing(1.7123456789e-4)});
  p.gemm.push_back(GemmSample{77, 14336, 4096, Precision::kFp8, 8, timing(3.3e-5 / 3)});
  p.gemm.push_back(GemmSample{1, 128, 64, Precision::kInt8, 1, timing(0.1 + 0.2)});
  p.attention_prefill.push_back(
      AttentionPrefillSample{3, 1000, 24, 64, 8, 128, Precision::kFp16, timing(2.0e-3 / 7, 11)});
  p.attention_decode.push_back(AttentionDecodeSample{48, 8191, 32, 8, 128, 32, Precision::kFp8, timing(9.9e-6)});
  p.collectives.push_back(CollectiveSample{CollectiveOp::kAllReduce, 33554432, 8, "ring", timing(2.5e-4)});
  p.collectives.push_back(CollectiveSample{CollectiveOp::kSendRecv, 1e9 / 3, 2, "", timing(1.0 / 3)});
  p.collectives.push_back(CollectiveSample{CollectiveOp::kAllToAll, 1000, 16, "nvls", timing(1.5e-5)});
  p.copies.push_back(CopySample{CopyDirection::kHostToDevice, true, 268435456, timing(5.4e-3)});
  p.copies.push_back(CopySample{CopyDirection::kDeviceToHost, false, 12345, timing(7.77e-6)});
  p.copies.push_back(CopySample{CopyDirection::kDeviceToDevice, true, 1.5e9, timing(1e-3)});
  p.layers.push_back(LayerSample{"qwen2.5-7b", true, 2, 512, 128, Precision::kBf16, timing(1.234e-3)});
  p.layers.push_back(LayerSample{"llama-3.1-70b", false, 64, 1, 4095, Precision::kFp16, timing(4.321e-4)});
  return p;
}

// format_quantity reads back within 1e-15 relative (a few ulps), not always bit-exactly; each
// further round trip may add as much again.
struct Close {
  double tolerance;
  void operator()(double a, double b, const std::string& what) const {
    EXPECT_NEAR(a, b, tolerance * std::fabs(b)) << what;
  }
};

void expect_timing_eq(const Timing& a, const Timing& b, const std::string& what, Close close) {
  close(a.median_s, b.median_s, what);
  close(a.p10_s, b.p10_s, what);
  close(a.p90_s, b.p90_s, what);
  EXPECT_EQ(a.repetitions, b.repetitions) << what;
}

void expect_profiles_eq(const Profile& a, const Profile& b, Close close = {1e-15}) {
  EXPECT_EQ(a.header.gpu_id, b.header.gpu_id);
  EXPECT_EQ(a.header.gpu_name, b.header.gpu_name);
  EXPECT_EQ(a.header.driver_version, b.header.driver_version);
  EXPECT_EQ(a.header.cuda_version, b.header.cuda_version);
  EXPECT_EQ(a.header.nccl_version, b.header.nccl_version);
  // Clocks go through Hz: within 1e-9 relative, not necessarily bit-exact.
  EXPECT_NEAR(a.header.sm_clock_mhz, b.header.sm_clock_mhz, 1e-9 * b.header.sm_clock_mhz);
  EXPECT_NEAR(a.header.memory_clock_mhz, b.header.memory_clock_mhz, 1e-9 * b.header.memory_clock_mhz);
  close(a.header.power_limit_w, b.header.power_limit_w, "power_limit");
  EXPECT_EQ(a.header.date, b.header.date);
  EXPECT_EQ(a.header.tool, b.header.tool);
  EXPECT_EQ(a.header.notes, b.header.notes);
  ASSERT_EQ(a.gemm.size(), b.gemm.size());
  for (size_t i = 0; i < a.gemm.size(); ++i) {
    const std::string w = "gemm[" + std::to_string(i) + "]";
    EXPECT_EQ(a.gemm[i].m, b.gemm[i].m) << w;
    EXPECT_EQ(a.gemm[i].n, b.gemm[i].n) << w;
    EXPECT_EQ(a.gemm[i].k, b.gemm[i].k) << w;
    EXPECT_EQ(a.gemm[i].dtype, b.gemm[i].dtype) << w;
    EXPECT_EQ(a.gemm[i].groups, b.gemm[i].groups) << w;
    expect_timing_eq(a.gemm[i].timing, b.gemm[i].timing, w, close);
  }
  ASSERT_EQ(a.attention_prefill.size(), b.attention_prefill.size());
  for (size_t i = 0; i < a.attention_prefill.size(); ++i) {
    const auto &x = a.attention_prefill[i], &y = b.attention_prefill[i];
    EXPECT_EQ(x.batch, y.batch);
    EXPECT_EQ(x.new_tokens, y.new_tokens);
    EXPECT_EQ(x.context_before, y.context_before);
    EXPECT_EQ(x.heads, y.heads);
    EXPECT_EQ(x.kv_heads, y.kv_heads);
    EXPECT_EQ(x.head_dim, y.head_dim);
    EXPECT_EQ(x.dtype, y.dtype);
    expect_timing_eq(x.timing, y.timing, "attention_prefill", close);
  }
  ASSERT_EQ(a.attention_decode.size(), b.attention_decode.size());
  for (size_t i = 0; i < a.attention_decode.size(); ++i) {
    const auto &x = a.attention_decode[i], &y = b.attention_decode[i];
    EXPECT_EQ(x.batch, y.batch);
    EXPECT_EQ(x.context, y.context);
    EXPECT_EQ(x.heads, y.heads);
    EXPECT_EQ(x.kv_heads, y.kv_heads);
    EXPECT_EQ(x.head_dim, y.head_dim);
    EXPECT_EQ(x.block_size, y.block_size);
    EXPECT_EQ(x.dtype, y.dtype);
    expect_timing_eq(x.timing, y.timing, "attention_decode", close);
  }
  ASSERT_EQ(a.collectives.size(), b.collectives.size());
  for (size_t i = 0; i < a.collectives.size(); ++i) {
    const auto &x = a.collectives[i], &y = b.collectives[i];
    EXPECT_EQ(x.op, y.op);
    close(x.bytes, y.bytes, "collective bytes");
    EXPECT_EQ(x.ranks, y.ranks);
    EXPECT_EQ(x.algorithm, y.algorithm);
    expect_timing_eq(x.timing, y.timing, "collectives", close);
  }
  ASSERT_EQ(a.copies.size(), b.copies.size());
  for (size_t i = 0; i < a.copies.size(); ++i) {
    const auto &x = a.copies[i], &y = b.copies[i];
    EXPECT_EQ(x.direction, y.direction);
    EXPECT_EQ(x.pinned, y.pinned);
    close(x.bytes, y.bytes, "copy bytes");
    expect_timing_eq(x.timing, y.timing, "copies", close);
  }
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const auto &x = a.layers[i], &y = b.layers[i];
    EXPECT_EQ(x.model, y.model);
    EXPECT_EQ(x.prefill, y.prefill);
    EXPECT_EQ(x.batch, y.batch);
    EXPECT_EQ(x.tokens, y.tokens);
    EXPECT_EQ(x.context, y.context);
    EXPECT_EQ(x.dtype, y.dtype);
    expect_timing_eq(x.timing, y.timing, "layers", close);
  }
}

TEST(Profile, FormatThenLoadGivesTheSameProfile) {
  const Profile original = synthetic_profile();
  const std::string text = format_profile(original);
  const std::string path = write_temp("round-trip.pbtxt", text);
  Diagnostics diags;
  const auto loaded = load_profile(path, diags);
  ASSERT_TRUE(loaded.has_value()) << diags.to_string() << text;
  EXPECT_TRUE(diags.ok());
  expect_profiles_eq(*loaded, original);
  // A second round trip does not drift: still within the tolerance of the original.
  Diagnostics again_diags;
  const auto again = parse_profile(format_profile(*loaded), "again.pbtxt", Catalog::builtin(), again_diags);
  ASSERT_TRUE(again.has_value()) << again_diags.to_string();
  expect_profiles_eq(*again, original, Close{2e-15});
}

TEST(Profile, FormatIsReadableProtobufTextWithUnits) {
  const std::string text = format_profile(synthetic_profile());
  EXPECT_EQ(text.rfind("# Stratum calibration profile", 0), 0u) << text;
  EXPECT_NE(text.find("gpu_id: \"a100-sxm4-80gb\""), std::string::npos) << text;
  EXPECT_NE(text.find("sm_clock: \"1410 MHz\""), std::string::npos) << text;
  EXPECT_NE(text.find("power_limit: \"400 W\""), std::string::npos) << text;
  EXPECT_NE(text.find("bytes: \"32 MiB\""), std::string::npos) << text;
  EXPECT_NE(text.find("bytes: \"1.5 GB\""), std::string::npos) << text;
  EXPECT_NE(text.find("median: \"250 us\""), std::string::npos) << text;
  EXPECT_NE(text.find("phase: DECODE"), std::string::npos) << text;
  EXPECT_NE(text.find("direction: DEVICE_TO_HOST"), std::string::npos) << text;
  EXPECT_NE(text.find("µs"), std::string::npos) << "UTF-8 kept, not escaped:\n" << text;
  // Schema order: header, then the sample kinds as declared.
  const size_t header = text.find("header {"), gemm = text.find("gemm {"),
               prefill = text.find("attention_prefill {"), decode = text.find("attention_decode {"),
               collectives = text.find("collectives {"), copies = text.find("copies {"),
               layers = text.find("layers {");
  EXPECT_LT(header, gemm);
  EXPECT_LT(gemm, prefill);
  EXPECT_LT(prefill, decode);
  EXPECT_LT(decode, collectives);
  EXPECT_LT(collectives, copies);
  EXPECT_LT(copies, layers);
  EXPECT_NE(layers, std::string::npos);
}

TEST(Profile, UnknownHeaderFiguresAreOmittedAndReadBackAsZero) {
  Profile p = synthetic_profile();
  p.header.power_limit_w = 0;  // stratum-calibrate without NVML
  p.header.gpu_name.clear();
  const std::string text = format_profile(p);
  EXPECT_EQ(text.find("power_limit"), std::string::npos) << text;
  EXPECT_EQ(text.find("gpu_name"), std::string::npos) << text;
  Diagnostics diags;
  const auto loaded = parse_profile(text, "mem.pbtxt", Catalog::builtin(), diags);
  ASSERT_TRUE(loaded.has_value()) << diags.to_string();
  EXPECT_EQ(loaded->header.power_limit_w, 0);
  EXPECT_EQ(loaded->header.gpu_name, "");
}

TEST(Profile, HandWrittenExampleInSiUnits) {
  Diagnostics diags;
  const auto p = load_profile(kData + "example-profile.pbtxt", diags);
  ASSERT_TRUE(p.has_value()) << diags.to_string();
  EXPECT_EQ(p->header.gpu_id, "h100-sxm5-80gb");
  EXPECT_EQ(p->header.gpu_name, "NVIDIA H100 80GB HBM3");
  EXPECT_DOUBLE_EQ(p->header.sm_clock_mhz, 1980);
  EXPECT_DOUBLE_EQ(p->header.memory_clock_mhz, 2619);
  EXPECT_DOUBLE_EQ(p->header.power_limit_w, 700);
  EXPECT_EQ(p->header.date, "2026-11-25T08:00:00Z");
  ASSERT_EQ(p->gemm.size(), 2u);
  EXPECT_EQ(p->gemm[0].m, 4096);
  EXPECT_EQ(p->gemm[0].groups, 1);  // default
  EXPECT_EQ(p->gemm[0].dtype, Precision::kBf16);
  EXPECT_DOUBLE_EQ(p->gemm[0].timing.median_s, 180e-6);
  EXPECT_DOUBLE_EQ(p->gemm[0].timing.p10_s, 178e-6);
  EXPECT_DOUBLE_EQ(p->gemm[0].timing.p90_s, 185e-6);
  EXPECT_EQ(p->gemm[0].timing.repetitions, 50);
  EXPECT_EQ(p->gemm[1].groups, 8);
  EXPECT_EQ(p->gemm[1].dtype, Precision::kFp8);
  EXPECT_DOUBLE_EQ(p->gemm[1].timing.median_s, 0.2e-3);
  ASSERT_EQ(p->attention_prefill.size(), 1u);
  EXPECT_EQ(p->attention_prefill[0].batch, 2);
  EXPECT_EQ(p->attention_prefill[0].new_tokens, 2048);
  EXPECT_EQ(p->attention_prefill[0].context_before, 512);
  EXPECT_EQ(p->attention_prefill[0].kv_heads, 8);
  ASSERT_EQ(p->attention_decode.size(), 1u);
  EXPECT_EQ(p->attention_decode[0].context, 4096);
  EXPECT_EQ(p->attention_decode[0].dtype, Precision::kFp16);
  EXPECT_DOUBLE_EQ(p->attention_decode[0].timing.median_s, 95.5e-6);
  ASSERT_EQ(p->collectives.size(), 2u);
  EXPECT_EQ(p->collectives[0].op, CollectiveOp::kAllReduce);
  EXPECT_DOUBLE_EQ(p->collectives[0].bytes, 32.0 * 1024 * 1024);
  EXPECT_EQ(p->collectives[0].ranks, 8);
  EXPECT_EQ(p->collectives[0].algorithm, "ring");
  EXPECT_EQ(p->collectives[1].op, CollectiveOp::kAllGather);
  EXPECT_DOUBLE_EQ(p->collectives[1].bytes, 1e9);
  EXPECT_EQ(p->collectives[1].algorithm, "");
  ASSERT_EQ(p->copies.size(), 2u);
  EXPECT_EQ(p->copies[0].direction, CopyDirection::kHostToDevice);
  EXPECT_TRUE(p->copies[0].pinned);  // default
  EXPECT_EQ(p->copies[1].direction, CopyDirection::kDeviceToHost);
  EXPECT_FALSE(p->copies[1].pinned);
  EXPECT_DOUBLE_EQ(p->copies[1].bytes, 64.0 * 1024 * 1024);
  ASSERT_EQ(p->layers.size(), 2u);
  EXPECT_TRUE(p->layers[0].prefill);
  EXPECT_EQ(p->layers[0].tokens, 1024);
  EXPECT_EQ(p->layers[0].context, 0);
  EXPECT_FALSE(p->layers[1].prefill);
  EXPECT_EQ(p->layers[1].context, 2048);
  EXPECT_DOUBLE_EQ(p->layers[1].timing.median_s, 310e-6);
}

TEST(Profile, CustomCatalogueDecidesWhichGpuIdsAreKnown) {
  Diagnostics diags;
  const Catalog empty_models = Catalog::parse(
      "gpu { id: \"x1\" name: \"X\" source: \"test\" memory: \"1 GiB\" memory_bandwidth: \"1 TB/s\" peak_bf16: "
      "\"1 TFLOP/s\" peak_fp16: \"1 TFLOP/s\" peak_fp8: \"0 TFLOP/s\" peak_int8: \"0 TOP/s\" peak_fp32: \"1 "
      "TFLOP/s\" nvlink_bandwidth: \"0 GB/s\" pcie_bandwidth: \"32 GB/s\" tdp: \"100 W\" }",
      "gpus.pbtxt", "", "models.pbtxt", diags);
  // The empty model catalogue reports itself; only the GPU table matters here.
  Diagnostics profile_diags;
  const std::string text = "header { gpu_id: \"x1\" }\n"
                           "gemm { m: 1 n: 1 k: 1 dtype: BF16 timing { median: \"1 us\" p10: \"1 us\" p90: \"1 us\" "
                           "repetitions: 1 } }\n";
  EXPECT_TRUE(parse_profile(text, "x1.pbtxt", empty_models, profile_diags).has_value()) << profile_diags.to_string();
  // The same text against the built-in catalogue: x1 is unknown.
  EXPECT_FALSE(parse_profile(text, "x1.pbtxt", Catalog::builtin(), profile_diags).has_value());
  EXPECT_NE(profile_diags.to_string().find("x1.pbtxt:1:10: error: header.gpu_id \"x1\" is not in"), std::string::npos)
      << profile_diags.to_string();
}

TEST(Profile, FindProfileByGpuId) {
  std::vector<Profile> profiles(2);
  profiles[0].header.gpu_id = "a";
  profiles[1].header.gpu_id = "b";
  EXPECT_EQ(find_profile(profiles, "b"), &profiles[1]);
  EXPECT_EQ(find_profile(profiles, "c"), nullptr);
}

TEST(Profile, CopyDirectionNamesAreTheSchemas) {
  EXPECT_STREQ(to_string(CopyDirection::kHostToDevice), "HOST_TO_DEVICE");
  EXPECT_STREQ(to_string(CopyDirection::kDeviceToHost), "DEVICE_TO_HOST");
  EXPECT_STREQ(to_string(CopyDirection::kDeviceToDevice), "DEVICE_TO_DEVICE");
}

// --- built-in profiles -------------------------------------------------------------------------

TEST(BuiltinProfiles, OnePerCheckedInFileAndEachGpuKnown) {
  // However many calibration/profiles/*.pbtxt the source tree holds (none before the first GPU run).
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(STRATUM_SOURCE_DIR) / "calibration" / "profiles")) {
    if (entry.is_regular_file() && entry.path().extension() == ".pbtxt") ++files;
  }
  const std::vector<Profile>& profiles = builtin_profiles();
  EXPECT_EQ(profiles.size(), files);
  for (const Profile& p : profiles) {
    EXPECT_NE(Catalog::builtin().find_gpu(p.header.gpu_id), nullptr) << p.header.gpu_id;
    EXPECT_EQ(find_profile(profiles, p.header.gpu_id), &p) << "two built-in profiles for " << p.header.gpu_id;
  }
  EXPECT_EQ(&builtin_profiles(), &profiles);  // parsed once
}

TEST(BuiltinProfiles, ParsesEveryEmbeddedText) {
  const std::string a = format_profile(synthetic_profile());
  Profile other = synthetic_profile();
  other.header.gpu_id = "h100-sxm5-80gb";
  const std::string b = format_profile(other);
  const EmbeddedProfile files[] = {{"calibration/profiles/a100.pbtxt", a}, {"calibration/profiles/h100.pbtxt", b}};
  const std::vector<Profile> profiles = parse_embedded_profiles(files, Catalog::builtin());
  ASSERT_EQ(profiles.size(), 2u);
  EXPECT_EQ(profiles[0].header.gpu_id, "a100-sxm4-80gb");
  EXPECT_EQ(profiles[1].header.gpu_id, "h100-sxm5-80gb");
  EXPECT_TRUE(parse_embedded_profiles({}, Catalog::builtin()).empty());
}

TEST(BuiltinProfilesDeathTest, ABrokenEmbeddedProfileAbortsWithItsErrors) {
  const EmbeddedProfile broken[] = {{"calibration/profiles/broken.pbtxt", "header { gpu_id: \"h100\" }\n"}};
  EXPECT_DEATH(parse_embedded_profiles(broken, Catalog::builtin()),
               "built-in calibration profiles do not load \\(a build defect\\)(.|\n)*"
               "calibration/profiles/broken.pbtxt:1:10: error: header.gpu_id \"h100\" is not in");
}

TEST(BuiltinProfilesDeathTest, TwoEmbeddedProfilesForOneGpuAbort) {
  const std::string a = format_profile(synthetic_profile());
  const EmbeddedProfile twice[] = {{"calibration/profiles/a.pbtxt", a}, {"calibration/profiles/b.pbtxt", a}};
  EXPECT_DEATH(parse_embedded_profiles(twice, Catalog::builtin()),
               "calibration/profiles/b.pbtxt: error: a second profile for GPU \"a100-sxm4-80gb\" \\(the first is "
               "calibration/profiles/a.pbtxt\\)");
}

// --- profiles named by a scenario ----------------------------------------------------------------

TEST(ScenarioProfiles, LoadedRelativeToTheScenarioFile) {
  Diagnostics diags;
  const auto s = load_scenario(kData + "profiles-good.pbtxt", {}, Catalog::builtin(), diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  ASSERT_GE(s->profiles.size(), 1u);
  EXPECT_EQ(s->profiles[0].header.gpu_id, "h100-sxm5-80gb");
  ASSERT_EQ(s->profiles[0].gemm.size(), 1u);
  EXPECT_DOUBLE_EQ(s->profiles[0].gemm[0].timing.median_s, 50e-6);
  // Then the built-in profile of the cluster's other GPU, when the source tree has one.
  const Profile* builtin_l40s = find_profile(builtin_profiles(), "l40s-48gb");
  ASSERT_EQ(s->profiles.size(), builtin_l40s != nullptr ? 2u : 1u);
  if (builtin_l40s != nullptr) {
    EXPECT_EQ(s->profiles[1].header.gpu_id, "l40s-48gb");
  }
}

TEST(ScenarioProfiles, WithoutProfileFieldsOnlyBuiltInProfilesOfClusterGpus) {
  Diagnostics diags;
  const auto s = load_scenario(kData + "small.pbtxt", {}, Catalog::builtin(), diags);
  ASSERT_TRUE(s.has_value()) << diags.to_string();
  size_t expected = 0;
  for (const char* id : {"h100-sxm5-80gb", "l40s-48gb"}) expected += find_profile(builtin_profiles(), id) != nullptr;
  EXPECT_EQ(s->profiles.size(), expected);
}

TEST(ScenarioProfiles, MissingFileIsLocatedAtTheScenarioField) {
  Diagnostics diags;
  const std::string file = kData + "profiles-missing.pbtxt";
  EXPECT_FALSE(load_scenario(file, {}, Catalog::builtin(), diags).has_value());
  EXPECT_EQ(diags.to_string(), file + ":16:1: error: profile[1] \"profiles/nope.pbtxt\": no such file \"" + kData +
                                   "profiles/nope.pbtxt\"; expected a calibration profile (paths are relative to the "
                                   "scenario file's directory)\n");
}

TEST(ScenarioProfiles, ErrorsInAProfileAreLocatedInThatFile) {
  Diagnostics diags;
  EXPECT_FALSE(load_scenario(kData + "profiles-bad.pbtxt", {}, Catalog::builtin(), diags).has_value());
  const std::string bad = kData + "profiles/bad.pbtxt";
  EXPECT_EQ(diags.to_string(),
            bad + ":4:3: error: gemm[0].m is 0; expected an integer from 1 to 16777216\n" + bad +
                ":5:28: error: gemm[0].timing.p10 \"60 us\" is above the median \"50 us\"; expected p10 <= median <= "
                "p90\n");
}

TEST(ScenarioProfiles, TwoProfilesForOneGpuAreAnError) {
  Diagnostics diags;
  const std::string file = kData + "profiles-duplicate.pbtxt";
  EXPECT_FALSE(load_scenario(file, {}, Catalog::builtin(), diags).has_value());
  EXPECT_EQ(diags.to_string(), file + ":16:1: error: profile[1] \"profiles/h100-again.pbtxt\" is a second profile "
                                      "for GPU \"h100-sxm5-80gb\" (profile[0] \"profiles/h100.pbtxt\" is the first); "
                                      "expected at most one profile per GPU id\n");
}

}  // namespace
}  // namespace stratum::scenarios
