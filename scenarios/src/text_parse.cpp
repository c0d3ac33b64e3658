#include "text_parse.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "stratum/scenarios/suggest.hpp"

namespace stratum::scenarios::detail {
namespace {

namespace gp = google::protobuf;

struct RawError {
  int line;    // 0-based, as protobuf reports
  int column;  // 0-based
  std::string message;
};

class Collector : public gp::io::ErrorCollector {
 public:
  void AddError(int line, gp::io::ColumnNumber column, const std::string& message) override {
    errors.push_back(RawError{line, column, message});
  }
  // Warnings (deprecated fields, ...) are not errors; the schema has none to warn about.
  void AddWarning(int, gp::io::ColumnNumber, const std::string&) override {}
  std::vector<RawError> errors;
};

// Text between two quotes following `prefix` in `message`, e.g. the field name in
// `... has no field named "nmae".`
bool quoted_after(const std::string& message, std::string_view prefix, std::string& out, size_t from = 0) {
  const size_t p = message.find(prefix, from);
  if (p == std::string::npos) return false;
  const size_t open = message.find('"', p + prefix.size());
  if (open == std::string::npos) return false;
  const size_t close = message.find('"', open + 1);
  if (close == std::string::npos) return false;
  out = message.substr(open + 1, close - open - 1);
  return true;
}

std::string_view line_of(std::string_view text, int line) {
  size_t start = 0;
  for (int i = 0; i < line; ++i) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  const size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

// Protobuf reports an unknown name at the token after it; point at the name itself.
int column_of_word(std::string_view text, int line, int column, std::string_view word) {
  const std::string_view l = line_of(text, line);
  const size_t limit = std::min(l.size(), static_cast<size_t>(std::max(column, 0)));
  const size_t pos = l.substr(0, limit).rfind(word);
  return pos == std::string_view::npos ? column : static_cast<int>(pos);
}

const gp::Descriptor* find_type(const gp::Descriptor& root, const std::string& full_name) {
  if (root.full_name() == full_name) return &root;
  for (int i = 0; i < root.field_count(); ++i) {
    const gp::Descriptor* sub = root.field(i)->message_type();
    if (sub == nullptr || sub == &root) continue;
    if (const gp::Descriptor* found = find_type(*sub, full_name)) return found;
  }
  return nullptr;
}

std::string strip_period(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Rewords one protobuf parser message as "what is wrong; expected what".
std::string reword(const RawError& e, std::string_view text, const gp::Descriptor& root, int& column) {
  const std::string& m = e.message;
  std::string type_name, name, other;
  if (m.rfind("Message type ", 0) == 0 && quoted_after(m, "Message type ", type_name) &&
      quoted_after(m, "has no field named ", name)) {
    column = column_of_word(text, e.line, e.column, name);
    const gp::Descriptor* type = find_type(root, type_name);
    if (type == nullptr) return "unknown field \"" + name + "\"; expected a field of " + type_name;
    const std::vector<std::string> names = field_names(*type);
    return "unknown field \"" + name + "\" in " + type->name() + "; " + did_you_mean(name, names) +
           "expected one of: " + join(names);
  }
  if (m.rfind("Unknown enumeration value of ", 0) == 0 &&
      quoted_after(m, "Unknown enumeration value of ", name) && quoted_after(m, "for field ", other)) {
    column = column_of_word(text, e.line, e.column, name);
    const gp::FieldDescriptor* field = find_enum_field(root, other);
    if (field == nullptr) return "unknown value \"" + name + "\" for " + other + "; expected a valid name";
    const std::vector<std::string> names = enum_names(*field->enum_type());
    return "unknown value \"" + name + "\" for " + other + "; " + did_you_mean(name, names) +
           "expected one of: " + join(names);
  }
  if (m.rfind("Non-repeated field ", 0) == 0 && quoted_after(m, "Non-repeated field ", name)) {
    return "field \"" + name + "\" is set more than once; expected it at most once";
  }
  if (m.rfind("Field ", 0) == 0 && m.find("another member of oneof") != std::string::npos &&
      quoted_after(m, "Field ", name) && quoted_after(m, "along with field ", other)) {
    std::string oneof;
    quoted_after(m, "of oneof ", oneof);
    return "\"" + name + "\" and \"" + other + "\" are both set; expected only one of the " + oneof + " choices";
  }
  if (m.rfind("String literals cannot cross line boundaries", 0) == 0) {
    return "string is not closed on its line; expected a closing \"";
  }
  if (m.rfind("Invalid value for boolean field ", 0) == 0 && quoted_after(m, "boolean field ", name) &&
      quoted_after(m, "Value: ", other)) {
    return "\"" + other + "\" is not a boolean for " + name + "; expected true or false";
  }
  if (m.rfind("Message is too deep", 0) == 0) {
    return "nesting is deeper than " + std::to_string(kRecursionLimit) + " levels; expected at most " +
           std::to_string(kRecursionLimit);
  }
  if (m.rfind("Integer out of range", 0) == 0) {
    return "integer out of range " + m.substr(std::strlen("Integer out of range ")) +
           "; expected a value that fits the field's integer type";
  }
  if (m.rfind("Expected ", 0) == 0) {
    // "Expected integer, got: abc" / "Expected \":\", found \"x\"." and similar.
    for (std::string_view sep : {", got: ", ", found "}) {
      const size_t p = m.find(sep);
      if (p == std::string::npos) continue;
      std::string found = strip_period(m.substr(p + sep.size()));
      // ", found" wraps the token in quotes of its own: "found ""x""" for the token "x".
      if (sep == std::string_view(", found ") && found.size() >= 2 && found.front() == '"' && found.back() == '"') {
        found = found.substr(1, found.size() - 2);
      }
      if (found.empty()) found = "end of file";
      return "unexpected " + found + "; expected " + m.substr(std::strlen("Expected "), p - std::strlen("Expected "));
    }
  }
  return strip_period(m) + "; expected valid protobuf text format";
}

void collect_locations(const gp::Message& message, const gp::TextFormat::ParseInfoTree* tree,
                       const std::string& prefix, const std::string& file,
                       std::map<std::string, SourceLocation>& out) {
  if (tree == nullptr) return;
  const gp::Reflection* reflection = message.GetReflection();
  std::vector<const gp::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const gp::FieldDescriptor* field : fields) {
    const std::string base = prefix.empty() ? field->name() : prefix + "." + field->name();
    const bool is_message = field->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE;
    if (field->is_repeated()) {
      const int n = reflection->FieldSize(message, field);
      for (int i = 0; i < n; ++i) {
        const std::string path = base + "[" + std::to_string(i) + "]";
        const auto loc = tree->GetLocation(field, i);
        if (loc.line >= 0) {
          out[path] = SourceLocation{file, loc.line + 1, loc.column + 1};
          if (i == 0) out.emplace(base, out[path]);
        }
        if (is_message) {
          collect_locations(reflection->GetRepeatedMessage(message, field, i), tree->GetTreeForNested(field, i),
                            path, file, out);
        }
      }
    } else {
      const auto loc = tree->GetLocation(field, -1);
      if (loc.line >= 0) out[base] = SourceLocation{file, loc.line + 1, loc.column + 1};
      if (is_message) {
        collect_locations(reflection->GetMessage(message, field), tree->GetTreeForNested(field, -1), base, file, out);
      }
    }
  }
}

}  // namespace

std::vector<std::string> field_names(const gp::Descriptor& type) {
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(type.field_count()));
  for (int i = 0; i < type.field_count(); ++i) names.push_back(type.field(i)->name());
  return names;
}

std::vector<std::string> enum_names(const gp::EnumDescriptor& type) {
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(type.value_count()));
  for (int i = 0; i < type.value_count(); ++i) names.push_back(type.value(i)->name());
  return names;
}

const gp::FieldDescriptor* find_enum_field(const gp::Descriptor& root, std::string_view name) {
  for (int i = 0; i < root.field_count(); ++i) {
    const gp::FieldDescriptor* f = root.field(i);
    if (f->name() == name && f->enum_type() != nullptr) return f;
    if (f->message_type() != nullptr && f->message_type() != &root) {
      if (const gp::FieldDescriptor* found = find_enum_field(*f->message_type(), name)) return found;
    }
  }
  return nullptr;
}

bool read_file(const std::string& file, std::string& text, std::string_view what, Diagnostics& diags,
               size_t max_bytes) {
  std::error_code ec;
  const std::filesystem::path path(file);
  if (std::filesystem::is_directory(path, ec)) {
    diags.error(SourceLocation{file, 0, 0}, "is a directory; expected a " + std::string(what));
    return false;
  }
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    diags.error(SourceLocation{file, 0, 0},
                "cannot open: " + std::string(std::strerror(errno)) + "; expected a readable " + std::string(what));
    return false;
  }
  // One read of the whole file: the size from the file system, then fread into the string.
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    std::fclose(f);
    diags.error(SourceLocation{file, 0, 0}, "file is " + std::to_string(size) + " bytes, larger than " +
                                                std::to_string(max_bytes >> 20) + " MiB; expected a smaller " +
                                                std::string(what));
    return false;
  }
  text.clear();
  if (!ec) text.reserve(static_cast<size_t>(size));
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    if (text.size() + n > max_bytes) {  // the file grew, or its size was unknown
      std::fclose(f);
      diags.error(SourceLocation{file, 0, 0}, "file is larger than " + std::to_string(max_bytes >> 20) +
                                                  " MiB; expected a smaller " + std::string(what));
      return false;
    }
    text.append(buffer, n);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    diags.error(SourceLocation{file, 0, 0}, "read error; expected a readable " + std::string(what));
    return false;
  }
  return true;
}

bool check_text(std::string_view text, const std::string& file, Diagnostics& diags) {
  int line = 1, column = 1;
  size_t i = 0;
  const auto fail = [&](const std::string& what) {
    diags.error(SourceLocation{file, line, column}, what + "; expected a UTF-8 text file (protobuf text format)");
    return false;
  };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return fail("file contains a NUL byte (a binary file?)");
    if (c == '\n') {
      ++line;
      column = 1;
      ++i;
      continue;
    }
    size_t len = 1;
    if (c >= 0x80) {
      // UTF-8 (RFC 3629): lead byte gives the length; continuation bytes are 10xxxxxx.
      if (c >= 0xC2 && c <= 0xDF) len = 2;
      else if (c >= 0xE0 && c <= 0xEF) len = 3;
      else if (c >= 0xF0 && c <= 0xF4) len = 4;
      else len = 0;
      bool valid = len != 0 && i + len <= text.size();
      for (size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (!valid) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", c);
        return fail(std::string("invalid UTF-8 byte ") + hex + " (a binary file?)");
      }
    }
    i += len;
    ++column;
  }
  return true;
}

bool parse_text(std::string_view text, const std::string& file, gp::Message& message, Diagnostics& diags,
                std::map<std::string, SourceLocation>* locations) {
  Collector collector;
  gp::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.SetRecursionLimit(kRecursionLimit);
  gp::TextFormat::ParseInfoTree tree;
  if (locations != nullptr) parser.WriteLocationsTo(&tree);
  gp::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  const bool ok = parser.Parse(&input, &message);
  for (const RawError& e : collector.errors) {
    int column = e.column;
    std::string what = reword(e, text, *message.GetDescriptor(), column);
    diags.error(SourceLocation{file, e.line + 1, column + 1}, std::move(what));
  }
  if (!ok && collector.errors.empty()) {
    diags.error(SourceLocation{file, 0, 0}, "cannot parse; expected protobuf text format");
  }
  if (!ok) return false;
  if (locations != nullptr) collect_locations(message, &tree, "", file, *locations);
  return true;
}

}  // namespace stratum::scenarios::detail
