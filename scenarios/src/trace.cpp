#include "stratum/scenarios/trace.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "text_parse.hpp"

namespace stratum::scenarios {
namespace {

// Traces are data files, not scenarios: allow up to 4 GiB (an assumption: the largest public
// LLM traces, Azure 2024 week-long, are a few hundred MB).
constexpr size_t kMaxTraceBytes = size_t{4} << 30;
// Report at most this many bad rows, then a count: a wrong file would otherwise print one error
// per row.
constexpr int kMaxRowErrors = 20;
constexpr std::string_view kAzureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";

class RowErrors {
 public:
  RowErrors(const std::string& file, Diagnostics& diags) : file_(file), diags_(diags) {}
  void error(int line, int column, std::string message) {
    if (++count_ <= kMaxRowErrors) diags_.error(SourceLocation{file_, line, column}, std::move(message));
  }
  void finish() {
    if (count_ > kMaxRowErrors) {
      diags_.error(SourceLocation{file_, 0, 0}, std::to_string(count_ - kMaxRowErrors) +
                                                    " more errors not shown; expected a valid trace");
    }
  }
  bool any() const { return count_ > 0; }

 private:
  const std::string& file_;
  Diagnostics& diags_;
  int count_ = 0;
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level
// Date Algorithms", days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "2023-11-16 18:15:46.6805900" -> nanoseconds since the epoch (the trace gives no time zone;
// only differences are used). Hand-written: no locale, no allocation.
bool parse_timestamp(std::string_view s, int64_t& ns) {
  int64_t y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  int64_t frac_ns = 0;
  if (s.size() > 19) {
    if (s[19] != '.' || s.size() == 20 || s.size() > 29) return false;
    int64_t scale = 100000000;  // first fractional digit is 10^8 ns
    for (size_t i = 20; i < s.size(); ++i, scale /= 10) {
      if (s[i] < '0' || s[i] > '9') return false;
      frac_ns += (s[i] - '0') * scale;
    }
  }
  ns = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
  ns = ns * 1000000000 + frac_ns;
  return true;
}

bool parse_count(std::string_view s, int64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && out >= 1;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s.substr(0, 40)) + "\""; }

// Splits a buffer into lines ending in LF or CRLF, numbered from 1.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& row) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    row = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_;
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    return true;
  }
  int line() const { return line_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 0;
};

void read_azure(std::string_view text, std::vector<TraceRequest>& out, RowErrors& errors) {
  // One pass over the buffer; rows are "timestamp,context,generated".
  std::vector<int64_t> ns;
  ns.reserve(text.size() / 36);  // about 36 bytes per row in the 2023 files
  out.reserve(text.size() / 36);
  LineReader lines(text);
  std::string_view row;
  while (lines.next(row)) {
    const int line = lines.line();
    if (line == 1) {
      if (row.substr(0, 3) == "\xEF\xBB\xBF") row.remove_prefix(3);  // UTF-8 byte-order mark
      if (row != kAzureHeader) {
        errors.error(1, 1, "header is " + quoted(row) + "; expected \"" + std::string(kAzureHeader) + "\"");
        return;
      }
      continue;
    }
    if (row.empty()) continue;
    const size_t c1 = row.find(',');
    const size_t c2 = c1 == std::string_view::npos ? c1 : row.find(',', c1 + 1);
    if (c2 == std::string_view::npos || row.find(',', c2 + 1) != std::string_view::npos) {
      errors.error(line, 1, "row has " + std::to_string(std::count(row.begin(), row.end(), ',') + 1) +
                                " columns; expected 3 (TIMESTAMP,ContextTokens,GeneratedTokens)");
      continue;
    }
    TraceRequest r;
    int64_t t = 0;
    bool ok = true;
    if (!parse_timestamp(row.substr(0, c1), t)) {
      errors.error(line, 1, "bad TIMESTAMP " + quoted(row.substr(0, c1)) + "; expected YYYY-MM-DD HH:MM:SS.fffffff");
      ok = false;
    }
    if (!parse_count(row.substr(c1 + 1, c2 - c1 - 1), r.input_tokens)) {
      errors.error(line, static_cast<int>(c1 + 2),
                   "bad ContextTokens " + quoted(row.substr(c1 + 1, c2 - c1 - 1)) + "; expected an integer >= 1");
      ok = false;
    }
    if (!parse_count(row.substr(c2 + 1), r.output_tokens)) {
      errors.error(line, static_cast<int>(c2 + 2),
                   "bad GeneratedTokens " + quoted(row.substr(c2 + 1)) + "; expected an integer >= 1");
      ok = false;
    }
    if (!ok) continue;
    ns.push_back(t);
    out.push_back(std::move(r));
  }
  if (lines.line() == 0) errors.error(1, 1, "file is empty; expected the header \"" + std::string(kAzureHeader) + "\"");
  if (ns.empty()) return;
  const int64_t first = *std::min_element(ns.begin(), ns.end());
  for (size_t i = 0; i < out.size(); ++i) out[i].arrival_s = static_cast<double>(ns[i] - first) * 1e-9;
}

bool get_count(const nlohmann::json& row, const char* key, int64_t& out, int line, RowErrors& errors) {
  const auto it = row.find(key);
  if (it == row.end()) {
    errors.error(line, 1, std::string("missing \"") + key + "\"; expected an integer >= 1");
    return false;
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 1) {
    errors.error(line, 1, std::string("\"") + key + "\" is " + it->dump() + "; expected an integer >= 1");
    return false;
  }
  out = it->get<int64_t>();
  return true;
}

void read_mooncake(std::string_view text, std::vector<TraceRequest>& out, RowErrors& errors) {
  LineReader lines(text);
  std::string_view row;
  while (lines.next(row)) {
    const int line = lines.line();
    if (row.find_first_not_of(" \t") == std::string_view::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(row.begin(), row.end());
    } catch (const nlohmann::json::parse_error& e) {
      // e.byte is the 1-based position of the bad character in this line.
      errors.error(line, static_cast<int>(std::max<size_t>(1, e.byte)),
                   "invalid JSON; expected one object per line with timestamp, input_length, output_length");
      continue;
    }
    if (!j.is_object()) {
      errors.error(line, 1, "line is not a JSON object; expected {\"timestamp\": ..., \"input_length\": ...}");
      continue;
    }
    TraceRequest r;
    bool ok = true;
    const auto ts = j.find("timestamp");
    if (ts == j.end() || !ts->is_number() || !(ts->get<double>() >= 0)) {
      errors.error(line, 1, "\"timestamp\" is " + (ts == j.end() ? std::string("missing") : ts->dump()) +
                                "; expected milliseconds >= 0");
      ok = false;
    } else {
      r.arrival_s = ts->get<double>() * 1e-3;  // Mooncake timestamps are milliseconds
    }
    ok = get_count(j, "input_length", r.input_tokens, line, errors) && ok;
    ok = get_count(j, "output_length", r.output_tokens, line, errors) && ok;
    if (const auto h = j.find("hash_ids"); h != j.end()) {
      if (!h->is_array()) {
        errors.error(line, 1, "\"hash_ids\" is not an array; expected a list of block ids");
        ok = false;
      } else {
        r.hash_ids.reserve(h->size());
        for (const auto& id : *h) {
          if (!id.is_number_unsigned()) {
            errors.error(line, 1, "\"hash_ids\" holds " + id.dump() + "; expected integers >= 0");
            ok = false;
            break;
          }
          r.hash_ids.push_back(id.get<uint64_t>());
        }
      }
    }
    if (ok) out.push_back(std::move(r));
  }
  if (lines.line() == 0) errors.error(1, 1, "file is empty; expected one JSON object per line");
}

}  // namespace

bool detect_trace_format(const std::string& path, TraceFormat& format, Diagnostics& diags) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    diags.error(SourceLocation{path, 0, 0},
                "cannot open: " + std::string(std::strerror(errno)) + "; expected a readable trace file");
    return false;
  }
  char head[512];
  const size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  std::string_view s(head, n);
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && s[first] == '{') {
    format = TraceFormat::kMooncakeJsonl;
    return true;
  }
  if (s.substr(0, kAzureHeader.size()) == kAzureHeader) {
    format = TraceFormat::kAzureCsv;
    return true;
  }
  diags.error(SourceLocation{path, 1, 1}, "unrecognised trace format; expected an Azure LLM CSV with the header \"" +
                                              std::string(kAzureHeader) +
                                              "\" or Mooncake JSON lines ({\"timestamp\": ...})");
  return false;
}

std::vector<TraceRequest> read_trace(const std::string& path, TraceFormat format, Diagnostics& diags) {
  std::vector<TraceRequest> out;
  std::string text;
  if (!detail::read_file(path, text, "trace file", diags, kMaxTraceBytes)) return out;
  RowErrors errors(path, diags);
  if (format == TraceFormat::kAzureCsv) {
    read_azure(text, out, errors);
  } else {
    read_mooncake(text, out, errors);
  }
  errors.finish();
  // Sorted by arrival, ties in file order (stable), relative to the earliest request.
  std::stable_sort(out.begin(), out.end(),
                   [](const TraceRequest& a, const TraceRequest& b) { return a.arrival_s < b.arrival_s; });
  if (!out.empty() && out.front().arrival_s != 0) {
    const double first = out.front().arrival_s;
    for (TraceRequest& r : out) r.arrival_s -= first;
  }
  return out;
}

}  // namespace stratum::scenarios
