#include <stdexcept>
#include <string>

#include "stratum/kernels/cuda_check.hpp"
#include "stratum/kernels/sweeps.hpp"
#include "stratum/kernels/transformer_layer.hpp"
#include "stratum/scenarios/catalog.hpp"

namespace stratum::kernels {

void run_layer_sweep(const std::vector<LayerCase>& cases, SweepContext& ctx, std::vector<scenarios::LayerSample>& out) {
  EventTimer timer(ctx.timing);
  size_t done = 0;
  for (const auto& c : cases) {
    ctx.log->progress("layers", ++done, cases.size());
    const scenarios::ModelSpec* model = scenarios::Catalog::builtin().find_model(c.model);
    if (model == nullptr) throw std::invalid_argument("layer sweep: model '" + c.model + "' is not in the catalogue");
    const std::string name = c.model + (c.prefill ? " prefill batch=" : " decode batch=") + std::to_string(c.batch) +
                             (c.prefill ? " tokens=" + std::to_string(c.tokens) : " context=" + std::to_string(c.context));
    try {
      const int64_t rows = c.prefill ? c.batch * c.tokens : c.batch;
      TransformerLayer layer(*model, rows, c.batch, c.prefill ? 1 : c.context, ctx.stream);
      if (c.prefill) layer.prepare_prefill(c.batch, c.tokens);
      else layer.prepare_decode(c.batch, c.context);
      layer.run();
      if (!layer.output_finite()) {
        ctx.log->failures.push_back(name + ": the layer's output has NaN or infinite values");
        continue;
      }
      scenarios::LayerSample s;
      s.model = c.model;
      s.prefill = c.prefill;
      s.batch = c.batch;
      s.tokens = c.prefill ? c.tokens : 1;
      s.context = c.prefill ? 0 : c.context;
      s.dtype = scenarios::Precision::kBf16;
      s.timing = timer.time(ctx.stream, [&] { layer.run(); });
      if (!layer.output_finite()) {
        ctx.log->failures.push_back(name + ": NaN or infinite values after the timed runs");
        continue;
      }
      out.push_back(s);
    } catch (const std::runtime_error& e) {  // e.g. out of memory for the largest layers
      ctx.log->notes.push_back(name + ": " + e.what());
      cudaGetLastError();
    }
  }
}

}  // namespace stratum::kernels
