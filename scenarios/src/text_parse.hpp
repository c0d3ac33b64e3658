#pragma once
// Private to scenarios/: protobuf text-format parsing with collected, located, reworded errors.
#include <google/protobuf/message.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "stratum/scenarios/diagnostics.hpp"

namespace stratum::scenarios::detail {

// Largest input accepted, so that a huge file gives a clean error instead of exhausting memory.
// 16 MiB is an assumption: over a thousand times the largest example scenario.
inline constexpr size_t kMaxInputBytes = 16u << 20;
// Nesting limit for the text parser: the C++ parser has no effective limit by default and a few
// thousand nested braces overflow the stack (protobuf PRs #26491, #27152). The schema nests
// 6 deep; 64 leaves room and stays far from the stack limit.
inline constexpr int kRecursionLimit = 64;

// Reads a whole file of at most `max_bytes`. On failure reports "file: error: ..." and returns
// false; `what` names the expected content ("scenario file", "trace file").
bool read_file(const std::string& file, std::string& text, std::string_view what, Diagnostics& diags,
               size_t max_bytes = kMaxInputBytes);

// Rejects text with NUL bytes or invalid UTF-8 (a binary file), reporting the first bad byte.
bool check_text(std::string_view text, const std::string& file, Diagnostics& diags);

// Parses `text` into `message`, reporting syntax errors (1-based, reworded as "what; expected
// what", unknown fields and enum values with a did-you-mean) against `file`. When `locations` is
// given, fills it with every set field's location by dotted path ("cluster.nodes[0].gpu").
bool parse_text(std::string_view text, const std::string& file, google::protobuf::Message& message,
                Diagnostics& diags, std::map<std::string, SourceLocation>* locations);

// Field names of a message type, in declaration order (for did-you-mean lists).
std::vector<std::string> field_names(const google::protobuf::Descriptor& type);
// Value names of an enum type, in declaration order.
std::vector<std::string> enum_names(const google::protobuf::EnumDescriptor& type);
// Finds an enum-typed field called `name` anywhere under `root` (for enum error messages).
const google::protobuf::FieldDescriptor* find_enum_field(const google::protobuf::Descriptor& root,
                                                         std::string_view name);

}  // namespace stratum::scenarios::detail
