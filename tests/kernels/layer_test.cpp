#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "gpu_skip.hpp"
#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/device_buffer.hpp"
#include "stratum/kernels/layer_ops.hpp"
#include "stratum/kernels/transformer_layer.hpp"

namespace stratum::kernels {
namespace {

uint16_t to_bf16(float f) {  // round to nearest even
  uint32_t u = 0;
  std::memcpy(&u, &f, 4);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
float from_bf16(uint16_t b) {
  const uint32_t u = uint32_t{b} << 16;
  float f = 0;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(LayerOps, RmsNormAndSiluMulMatchTheirFormulas) {
  STRATUM_REQUIRE_GPU();
  const int rows = 3, cols = 40;
  std::vector<uint16_t> x(rows * cols), w(cols), gu(rows * 2 * cols);
  for (int i = 0; i < rows * cols; ++i) x[i] = to_bf16(std::sin(0.3f * i) * 2.0f);
  for (int i = 0; i < cols; ++i) w[i] = to_bf16(0.5f + 0.01f * i);
  for (int i = 0; i < rows * 2 * cols; ++i) gu[i] = to_bf16(std::cos(0.7f * i) * 3.0f);
  DeviceBuffer xd(x.size() * 2), wd(w.size() * 2), yd(x.size() * 2), gud(gu.size() * 2), sd(x.size() * 2);
  STRATUM_CUDA_CHECK(cudaMemcpy(xd.get(), x.data(), xd.bytes(), cudaMemcpyHostToDevice));
  STRATUM_CUDA_CHECK(cudaMemcpy(wd.get(), w.data(), wd.bytes(), cudaMemcpyHostToDevice));
  STRATUM_CUDA_CHECK(cudaMemcpy(gud.get(), gu.data(), gud.bytes(), cudaMemcpyHostToDevice));
  rms_norm(xd.get(), wd.get(), yd.get(), rows, cols, 1e-5f, nullptr);
  silu_mul(gud.get(), sd.get(), rows, cols, nullptr);
  std::vector<uint16_t> y(x.size()), s(x.size());
  STRATUM_CUDA_CHECK(cudaMemcpy(y.data(), yd.get(), yd.bytes(), cudaMemcpyDeviceToHost));
  STRATUM_CUDA_CHECK(cudaMemcpy(s.data(), sd.get(), sd.bytes(), cudaMemcpyDeviceToHost));
  for (int r = 0; r < rows; ++r) {
    double ss = 0;
    for (int c = 0; c < cols; ++c) ss += std::pow(from_bf16(x[r * cols + c]), 2);
    const double inv = 1.0 / std::sqrt(ss / cols + 1e-5);
    for (int c = 0; c < cols; ++c) {
      const double want = from_bf16(x[r * cols + c]) * inv * from_bf16(w[c]);
      EXPECT_NEAR(from_bf16(y[r * cols + c]), want, 1.0 / 128 * std::fabs(want) + 1e-3);
      const double g = from_bf16(gu[r * 2 * cols + c]), u = from_bf16(gu[r * 2 * cols + cols + c]);
      const double silu = g / (1 + std::exp(-g)) * u;
      EXPECT_NEAR(from_bf16(s[r * cols + c]), silu, 1.0 / 128 * std::fabs(silu) + 1e-3);
    }
  }
}

scenarios::ModelSpec small_model() {
  scenarios::ModelSpec m;  // a small Llama-shaped layer so the test is quick
  m.id = "test-small";
  m.layers = 1;
  m.hidden = 512;
  m.heads = 8;
  m.kv_heads = 2;
  m.head_dim = 64;
  m.ffn_hidden = 1024;
  return m;
}

TEST(TransformerLayer, PrefillAndDecodeRunAndStayFinite) {
  STRATUM_REQUIRE_GPU();
  TransformerLayer layer(small_model(), 2 * 100, 4, 300, nullptr);
  layer.prepare_prefill(2, 100);
  EXPECT_EQ(layer.rows(), 200);
  for (int i = 0; i < 3; ++i) layer.run();
  EXPECT_TRUE(layer.output_finite());
  layer.prepare_decode(4, 300);
  EXPECT_EQ(layer.rows(), 4);
  for (int i = 0; i < 3; ++i) layer.run();
  EXPECT_TRUE(layer.output_finite());
  EXPECT_THROW(layer.prepare_decode(5, 10), std::invalid_argument);
}

TEST(TransformerLayer, RejectsMoeAndUnsupportedHeads) {
  scenarios::ModelSpec m = small_model();
  m.experts = 8;
  EXPECT_THROW(TransformerLayer(m, 1, 1, 1, nullptr), std::invalid_argument);
  m = small_model();
  m.head_dim = 80;
  EXPECT_THROW(TransformerLayer(m, 1, 1, 1, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace stratum::kernels
