#pragma once
// Private to scenarios/: command-line overrides `--set path=value` applied by reflection.
#include <google/protobuf/message.h>

#include <map>
#include <string>

#include "stratum/scenarios/diagnostics.hpp"
#include "stratum/scenarios/loader.hpp"

namespace stratum::scenarios::detail {

// Sets `o.path` (dotted, repeated fields by index: "cluster.nodes[0].count") in `root` to
// `o.value`: a scalar in text-format syntax (strings may be bare), or a message body
// ("{batch_size: 4}", replacing the field). Errors are located at "--set <path>". On success the
// locations of the path and everything under it become "--set <path>", so later checks point at
// the override.
bool apply_override(const Override& o, google::protobuf::Message& root, Diagnostics& diags,
                    std::map<std::string, SourceLocation>& locations);

}  // namespace stratum::scenarios::detail
