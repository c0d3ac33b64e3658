#include "overrides.hpp"

#include <google/protobuf/descriptor.h>

#include <charconv>
#include <memory>

#include "stratum/scenarios/suggest.hpp"
#include "text_parse.hpp"

namespace stratum::scenarios::detail {
namespace {

namespace gp = google::protobuf;

struct Step {
  std::string name;
  int index = -1;  // -1: no [index]
};

bool split_path(const std::string& path, std::vector<Step>& steps) {
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    if (dot == std::string::npos) dot = path.size();
    std::string part = path.substr(pos, dot - pos);
    Step step;
    if (const size_t open = part.find('['); open != std::string::npos) {
      if (part.back() != ']' || open + 2 > part.size() - 1) return false;
      const char* first = part.data() + open + 1;
      const char* last = part.data() + part.size() - 1;
      const auto [end, ec] = std::from_chars(first, last, step.index);
      if (ec != std::errc() || end != last || step.index < 0) return false;
      part.resize(open);
    }
    if (part.empty()) return false;
    step.name = std::move(part);
    steps.push_back(std::move(step));
    pos = dot + 1;
  }
  return !steps.empty();
}

const char* type_words(const gp::FieldDescriptor& f) {
  switch (f.cpp_type()) {
    case gp::FieldDescriptor::CPPTYPE_INT32:
    case gp::FieldDescriptor::CPPTYPE_INT64: return "an integer";
    case gp::FieldDescriptor::CPPTYPE_UINT32:
    case gp::FieldDescriptor::CPPTYPE_UINT64: return "an integer >= 0";
    case gp::FieldDescriptor::CPPTYPE_DOUBLE:
    case gp::FieldDescriptor::CPPTYPE_FLOAT: return "a number";
    case gp::FieldDescriptor::CPPTYPE_BOOL: return "true or false";
    case gp::FieldDescriptor::CPPTYPE_ENUM: return "a name";
    case gp::FieldDescriptor::CPPTYPE_STRING: return "a string";
    case gp::FieldDescriptor::CPPTYPE_MESSAGE: return "a message body in braces";
  }
  return "a value";
}

// Normalised path text for locations: "cluster.nodes[0].count".
std::string normal_path(const std::vector<Step>& steps) {
  std::string out;
  for (const Step& s : steps) {
    if (!out.empty()) out += '.';
    out += s.name;
    if (s.index >= 0) out += "[" + std::to_string(s.index) + "]";
  }
  return out;
}

}  // namespace

bool apply_override(const Override& o, gp::Message& root, Diagnostics& diags,
                    std::map<std::string, SourceLocation>& locations) {
  const SourceLocation at{"--set " + o.path, 0, 0};
  std::vector<Step> steps;
  if (!split_path(o.path, steps)) {
    diags.error(at, "malformed path \"" + o.path + "\"; expected dotted field names, lists by index: " +
                        "cluster.nodes[0].count");
    return false;
  }
  gp::Message* message = &root;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    const bool last = i + 1 == steps.size();
    const gp::Descriptor* type = message->GetDescriptor();
    const gp::FieldDescriptor* field = type->FindFieldByName(step.name);
    if (field == nullptr) {
      const std::vector<std::string> names = field_names(*type);
      diags.error(at, "unknown field \"" + step.name + "\" in " + type->name() + "; " +
                          did_you_mean(step.name, names) + "expected one of: " + join(names));
      return false;
    }
    const gp::Reflection* reflection = message->GetReflection();
    if (field->is_repeated() && step.index < 0) {
      diags.error(at, "\"" + step.name + "\" is a list; expected an index, e.g. " + step.name + "[0]");
      return false;
    }
    if (!field->is_repeated() && step.index >= 0) {
      diags.error(at, "\"" + step.name + "\" is not a list; expected it without [" + std::to_string(step.index) + "]");
      return false;
    }
    // One past the end of a list of messages appends an entry (--set serving.replica[1].count=2
    // adds a second replica group); further past is a gap.
    const bool appends = field->is_repeated() && field->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE &&
                         step.index == reflection->FieldSize(*message, field);
    if (field->is_repeated() && !appends && step.index >= reflection->FieldSize(*message, field)) {
      const int n = reflection->FieldSize(*message, field);
      diags.error(at, "index " + std::to_string(step.index) + " is past the end of \"" + step.name + "\" (" +
                          std::to_string(n) + " entries); expected " +
                          (field->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE
                               ? "an index from 0 to " + std::to_string(n) + " (" + std::to_string(n) + " adds an entry)"
                               : n == 0 ? std::string("an entry in the scenario first")
                                        : "an index from 0 to " + std::to_string(n - 1)));
      return false;
    }
    if (appends) reflection->AddMessage(message, field);
    if (field->is_repeated() && field->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE) {
      diags.error(at, "\"" + step.name + "\" is a list of scalars; expected a path to a single field");
      return false;
    }
    if (field->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) {
      gp::Message* sub = field->is_repeated() ? reflection->MutableRepeatedMessage(message, field, step.index)
                                              : reflection->MutableMessage(message, field);
      if (!last) {
        message = sub;
        continue;
      }
      // A message value: "{ ... }" or the body alone, replacing what the file had.
      std::string body = o.value;
      const size_t a = body.find_first_not_of(" \t");
      const size_t b = body.find_last_not_of(" \t");
      if (a != std::string::npos && body[a] == '{' && body[b] == '}') body = body.substr(a + 1, b - a - 1);
      sub->Clear();
      Diagnostics parse_diags;
      if (!parse_text(body, at.file, *sub, parse_diags, nullptr)) {
        for (const Diagnostic& d : parse_diags.errors()) {
          diags.error(at, "in the value \"" + o.value + "\" (column " + std::to_string(d.where.column) +
                              "): " + d.message);
        }
        return false;
      }
    } else {
      if (field->cpp_type() == gp::FieldDescriptor::CPPTYPE_STRING) {
        // Strings may be given bare (--set serving.model=llama-3.1-8b) or quoted.
        std::string v = o.value;
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        reflection->SetString(message, field, v);
      } else {
        // Parse "name: value" into a fresh message with our own error collector (protobuf's
        // ParseFieldValueFromString logs to stderr), then merge: merging sets just this field
        // and, for a oneof member, clears its siblings.
        std::unique_ptr<gp::Message> scratch(message->New());
        Diagnostics ignored;
        std::vector<const gp::FieldDescriptor*> set_fields;
        const bool parsed = parse_text(step.name + ": " + o.value, at.file, *scratch, ignored, nullptr);
        if (parsed) scratch->GetReflection()->ListFields(*scratch, &set_fields);
        if (!parsed || set_fields.size() != 1) {  // one value, not "2 gpu: ..." smuggling more fields
          std::string expected = type_words(*field);
          std::string hint;
          if (field->enum_type() != nullptr) {
            const std::vector<std::string> names = enum_names(*field->enum_type());
            hint = did_you_mean(o.value, names);
            expected = "one of: " + join(names);
          }
          diags.error(at, "\"" + o.value + "\" is not valid for " + step.name + "; " + hint + "expected " + expected);
          return false;
        }
        reflection->ClearField(message, field);
        message->MergeFrom(*scratch);
      }
    }
  }
  // Later checks of this path, or anything under it, point at the override.
  const std::string key = normal_path(steps);
  for (auto it = locations.lower_bound(key); it != locations.end() && it->first.compare(0, key.size(), key) == 0;) {
    const char next = it->first.size() > key.size() ? it->first[key.size()] : '\0';
    if (next == '\0' || next == '.' || next == '[') {
      it = locations.erase(it);
    } else {
      ++it;
    }
  }
  locations[key] = at;
  return true;
}

}  // namespace stratum::scenarios::detail
