// format_profile: a Profile as protobuf text (scenarios/proto/stratum/profile.proto), the file
// stratum-calibrate writes and load_profile reads back.
#include <google/protobuf/text_format.h>

#include "precision_pb.hpp"
#include "stratum/profile.pb.h"
#include "stratum/scenarios/profile.hpp"
#include "stratum/scenarios/units.hpp"

namespace stratum::scenarios {
namespace {

pb::CollectiveOp to_pb(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::kAllReduce: return pb::ALL_REDUCE;
    case CollectiveOp::kAllGather: return pb::ALL_GATHER;
    case CollectiveOp::kReduceScatter: return pb::REDUCE_SCATTER;
    case CollectiveOp::kAllToAll: return pb::ALL_TO_ALL;
    case CollectiveOp::kBroadcast: return pb::BROADCAST;
    case CollectiveOp::kSendRecv: return pb::SEND_RECV;
  }
  return pb::ALL_REDUCE;
}

pb::CopyDirection to_pb(CopyDirection d) {
  switch (d) {
    case CopyDirection::kHostToDevice: return pb::HOST_TO_DEVICE;
    case CopyDirection::kDeviceToHost: return pb::DEVICE_TO_HOST;
    case CopyDirection::kDeviceToDevice: return pb::DEVICE_TO_DEVICE;
  }
  return pb::HOST_TO_DEVICE;
}

void set_timing(const Timing& t, pb::Timing& out) {
  out.set_median(format_quantity(t.median_s, Quantity::kTime));
  out.set_p10(format_quantity(t.p10_s, Quantity::kTime));
  out.set_p90(format_quantity(t.p90_s, Quantity::kTime));
  out.set_repetitions(t.repetitions);
}

void set_header(const ProfileHeader& h, pb::ProfileHeader& out) {
  out.set_gpu_id(h.gpu_id);
  // Optional text is written only when known, so that an absent field reads back as empty.
  if (!h.gpu_name.empty()) out.set_gpu_name(h.gpu_name);
  if (!h.driver_version.empty()) out.set_driver_version(h.driver_version);
  if (!h.cuda_version.empty()) out.set_cuda_version(h.cuda_version);
  if (!h.nccl_version.empty()) out.set_nccl_version(h.nccl_version);
  // 0 means unknown (stratum-calibrate without NVML has no power limit): omitted, read back as 0.
  if (h.sm_clock_mhz != 0) out.set_sm_clock(format_quantity(h.sm_clock_mhz * 1e6, Quantity::kFrequency));
  if (h.memory_clock_mhz != 0) out.set_memory_clock(format_quantity(h.memory_clock_mhz * 1e6, Quantity::kFrequency));
  if (h.power_limit_w != 0) out.set_power_limit(format_quantity(h.power_limit_w, Quantity::kPower));
  if (!h.date.empty()) out.set_date(h.date);
  if (!h.tool.empty()) out.set_tool(h.tool);
  if (!h.notes.empty()) out.set_notes(h.notes);
}

}  // namespace

const char* to_string(CopyDirection direction) {
  switch (direction) {
    case CopyDirection::kHostToDevice: return "HOST_TO_DEVICE";
    case CopyDirection::kDeviceToHost: return "DEVICE_TO_HOST";
    case CopyDirection::kDeviceToDevice: return "DEVICE_TO_DEVICE";
  }
  return "?";
}

std::string format_profile(const Profile& profile) {
  pb::Profile message;
  set_header(profile.header, *message.mutable_header());
  for (const GemmSample& s : profile.gemm) {
    pb::GemmSample& m = *message.add_gemm();
    m.set_m(s.m);
    m.set_n(s.n);
    m.set_k(s.k);
    m.set_dtype(detail::precision_to_pb(s.dtype));
    if (s.groups != 1) m.set_groups(s.groups);
    set_timing(s.timing, *m.mutable_timing());
  }
  for (const AttentionPrefillSample& s : profile.attention_prefill) {
    pb::AttentionPrefillSample& m = *message.add_attention_prefill();
    m.set_batch(s.batch);
    m.set_new_tokens(s.new_tokens);
    m.set_context_before(s.context_before);
    m.set_heads(s.heads);
    m.set_kv_heads(s.kv_heads);
    m.set_head_dim(s.head_dim);
    m.set_dtype(detail::precision_to_pb(s.dtype));
    set_timing(s.timing, *m.mutable_timing());
  }
  for (const AttentionDecodeSample& s : profile.attention_decode) {
    pb::AttentionDecodeSample& m = *message.add_attention_decode();
    m.set_batch(s.batch);
    m.set_context(s.context);
    m.set_heads(s.heads);
    m.set_kv_heads(s.kv_heads);
    m.set_head_dim(s.head_dim);
    m.set_block_size(s.block_size);
    m.set_dtype(detail::precision_to_pb(s.dtype));
    set_timing(s.timing, *m.mutable_timing());
  }
  for (const CollectiveSample& s : profile.collectives) {
    pb::CollectiveSample& m = *message.add_collectives();
    m.set_op(to_pb(s.op));
    m.set_bytes(format_quantity(s.bytes, Quantity::kBytes));
    m.set_ranks(s.ranks);
    if (!s.algorithm.empty()) m.set_algorithm(s.algorithm);
    set_timing(s.timing, *m.mutable_timing());
  }
  for (const CopySample& s : profile.copies) {
    pb::CopySample& m = *message.add_copies();
    m.set_direction(to_pb(s.direction));
    m.set_pinned(s.pinned);
    m.set_bytes(format_quantity(s.bytes, Quantity::kBytes));
    set_timing(s.timing, *m.mutable_timing());
  }
  for (const LayerSample& s : profile.layers) {
    pb::LayerSample& m = *message.add_layers();
    m.set_model(s.model);
    m.set_phase(s.prefill ? pb::PREFILL : pb::DECODE);
    m.set_batch(s.batch);
    m.set_tokens(s.tokens);
    m.set_context(s.context);
    m.set_dtype(detail::precision_to_pb(s.dtype));
    set_timing(s.timing, *m.mutable_timing());
  }
  google::protobuf::TextFormat::Printer printer;
  // Names and notes as written (UTF-8), not octal escapes.
  printer.SetUseUtf8StringEscaping(true);
  std::string body;
  printer.PrintToString(message, &body);
  return "# Stratum calibration profile (schema: scenarios/proto/stratum/profile.proto; reference:\n"
         "# docs/scenario-reference.md). Written by format_profile; read by load_profile.\n" +
         body;
}

}  // namespace stratum::scenarios
