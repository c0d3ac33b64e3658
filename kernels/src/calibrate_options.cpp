#include "stratum/kernels/calibrate_options.hpp"

#include <array>
#include <string_view>

namespace stratum::kernels {
namespace {

constexpr std::array<std::string_view, 5> kOps = {"gemm", "attention", "collectives", "copies", "layers"};

std::string set_ops(CalibrateOptions& o, const std::string& list) {
  o.gemm = o.attention = o.collectives = o.copies = o.layers = false;
  size_t start = 0;
  bool any = false;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string op = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (op == "gemm") o.gemm = true;
    else if (op == "attention") o.attention = true;
    else if (op == "collectives") o.collectives = true;
    else if (op == "copies") o.copies = true;
    else if (op == "layers") o.layers = true;
    else {
      std::string known;
      for (auto k : kOps) known += (known.empty() ? "" : ", ") + std::string(k);
      return "unknown op '" + op + "' in --ops; expected a comma-separated list of " + known;
    }
    any = true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!any) return "--ops is empty";
  return {};
}

}  // namespace

std::string calibrate_usage() {
  return "usage: stratum-calibrate --out FILE [--ops gemm,attention,collectives,copies,layers]\n"
         "                         [--gpu-id CATALOG_ID] [--quick]\n"
         "Times cuBLASLt GEMMs, Stratum's attention kernels, NCCL collectives, copies and real\n"
         "transformer layers on this machine's GPUs and writes a calibration profile to FILE.\n"
         "  --out FILE        profile to write (protobuf text), e.g. calibration/profiles/h100-sxm5-80gb.pbtxt\n"
         "  --ops LIST        sweeps to run (default: all)\n"
         "  --gpu-id ID       catalogue GPU id the profile calibrates (default: matched from the device name)\n"
         "  --quick           reduced grids, a first look in a few minutes\n"
         "Exit status: 0 written, 2 bad arguments, 3 no GPU, 1 other failure.\n";
}

ParsedCalibrateOptions parse_calibrate_options(std::span<const std::string> args) {
  ParsedCalibrateOptions r;
  auto& o = r.options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    const bool takes_value = flag == "--out" || flag == "--ops" || flag == "--gpu-id";
    if (takes_value && !has_value) {
      if (i + 1 >= args.size()) {
        r.error = flag + " needs a value";
        return r;
      }
      value = args[++i];
    } else if (!takes_value && has_value) {
      r.error = flag + " takes no value";
      return r;
    }
    if (flag == "--out") {
      o.out = value;
    } else if (flag == "--ops") {
      if (std::string e = set_ops(o, value); !e.empty()) {
        r.error = e;
        return r;
      }
    } else if (flag == "--gpu-id") {
      o.gpu_id = value;
    } else if (flag == "--quick") {
      o.quick = true;
    } else if (flag == "--help" || flag == "-h") {
      o.help = true;
    } else {
      r.error = "unknown argument '" + args[i] + "'";
      return r;
    }
  }
  if (!o.help && o.out.empty()) r.error = "--out FILE is required";
  else if (!o.help && !o.gpu_id.empty() && o.gpu_id.find_first_of(" \t") != std::string::npos)
    r.error = "--gpu-id must be a catalogue id without spaces";
  return r;
}

}  // namespace stratum::kernels
