#include "stratum/kernels/calibrate_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stratum::kernels {
namespace {

ParsedCalibrateOptions parse(std::vector<std::string> args) { return parse_calibrate_options(args); }

TEST(CalibrateOptions, DefaultsRunEverySweep) {
  const auto r = parse({"--out", "p.pbtxt"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.options.out, "p.pbtxt");
  EXPECT_TRUE(r.options.gemm && r.options.attention && r.options.collectives && r.options.copies && r.options.layers);
  EXPECT_FALSE(r.options.quick);
  EXPECT_TRUE(r.options.gpu_id.empty());
}

TEST(CalibrateOptions, OpsSelectSweepsAndBothValueForms) {
  const auto r = parse({"--out=x", "--ops", "gemm,layers", "--gpu-id=h100-sxm5-80gb", "--quick"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.options.gemm);
  EXPECT_TRUE(r.options.layers);
  EXPECT_FALSE(r.options.attention || r.options.collectives || r.options.copies);
  EXPECT_EQ(r.options.gpu_id, "h100-sxm5-80gb");
  EXPECT_TRUE(r.options.quick);
}

TEST(CalibrateOptions, ErrorsNameTheProblem) {
  EXPECT_NE(parse({}).error.find("--out"), std::string::npos);
  EXPECT_NE(parse({"--out"}).error.find("needs a value"), std::string::npos);
  const auto bad_op = parse({"--out", "x", "--ops", "gemm,flops"});
  EXPECT_NE(bad_op.error.find("'flops'"), std::string::npos);
  EXPECT_NE(bad_op.error.find("collectives"), std::string::npos);  // lists what is accepted
  EXPECT_NE(parse({"--out", "x", "--ops", ""}).error, "");
  EXPECT_NE(parse({"--out", "x", "--frobnicate"}).error.find("unknown argument"), std::string::npos);
  EXPECT_NE(parse({"--out", "x", "--quick=yes"}).error.find("takes no value"), std::string::npos);
}

TEST(CalibrateOptions, HelpNeedsNoOutput) {
  const auto r = parse({"--help"});
  EXPECT_TRUE(r.error.empty());
  EXPECT_TRUE(r.options.help);
  EXPECT_NE(calibrate_usage().find("--out FILE"), std::string::npos);
}

}  // namespace
}  // namespace stratum::kernels
