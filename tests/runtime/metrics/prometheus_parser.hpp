// A strict reader of the Prometheus text exposition format 0.0.4, for tests: it throws on any
// line a Prometheus server would refuse, so a test that renders and reads back checks the format.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cleave::metrics::testing {

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
  int line = 0;
};

struct exposition {
  std::map<std::string, std::string> help;
  std::map<std::string, std::string> type;
  std::vector<sample> samples;
  /// Family names in the order they appear.
  std::vector<std::string> order;
};

inline bool is_name_char(char c, bool first, bool colon_ok) {
  bool alpha =
      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

class parser {
 public:
  static exposition parse(std::string_view text) {
    if (!text.empty() && text.back() != '\n') throw std::runtime_error("text must end with \\n");
    exposition out;
    int number = 0;
    std::string current_family;
    while (!text.empty()) {
      auto eol = text.find('\n');
      parser p{text.substr(0, eol), ++number};
      text.remove_prefix(eol + 1);
      p.line_into(out, current_family);
    }
    return out;
  }

 private:
  parser(std::string_view line, int number) : line_(line), number_(number) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("line " + std::to_string(number_) + " '" + std::string{line_} +
                             "': " + why);
  }

  bool eat(std::string_view prefix) {
    if (line_.substr(pos_, prefix.size()) != prefix) return false;
    pos_ += prefix.size();
    return true;
  }

  std::string name(bool colon_ok) {
    size_t start = pos_;
    while (pos_ < line_.size() && is_name_char(line_[pos_], pos_ == start, colon_ok)) ++pos_;
    if (pos_ == start) fail("expected a name");
    return std::string{line_.substr(start, pos_ - start)};
  }

  std::string rest() {
    auto out = std::string{line_.substr(pos_)};
    pos_ = line_.size();
    return out;
  }

  // Undoes the escapes allowed in HELP text (\\ and \n) or label values (also \").
  std::string unescape(std::string_view s, bool quote_ok) const {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\n') fail("raw newline");
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      if (++i == s.size()) fail("dangling backslash");
      if (s[i] == '\\')
        out += '\\';
      else if (s[i] == 'n')
        out += '\n';
      else if (quote_ok && s[i] == '"')
        out += '"';
      else
        fail(std::string{"bad escape \\"} + s[i]);
    }
    return out;
  }

  double value() {
    auto token = rest();
    if (token == "+Inf") return std::numeric_limits<double>::infinity();
    if (token == "-Inf") return -std::numeric_limits<double>::infinity();
    if (token == "NaN") return std::numeric_limits<double>::quiet_NaN();
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(token, &used);
    } catch (const std::exception&) {
      fail("bad value");
    }
    if (used != token.size()) fail("trailing text after value");
    return v;
  }

  static std::string family_of(const exposition& out, const std::string& sample_name) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string_view s{suffix};
      if (sample_name.size() > s.size() &&
          sample_name.compare(sample_name.size() - s.size(), s.size(), s) == 0) {
        auto base = sample_name.substr(0, sample_name.size() - s.size());
        auto t = out.type.find(base);
        if (t != out.type.end() && t->second == "histogram") return base;
      }
    }
    return sample_name;
  }

  void start_family(exposition& out, std::string& current, const std::string& family) {
    if (family == current) return;
    for (const auto& seen : out.order)
      if (seen == family) fail("family " + family + " is not contiguous");
    out.order.push_back(family);
    current = family;
  }

  void line_into(exposition& out, std::string& current) {
    if (line_.empty()) return;
    if (eat("# HELP ")) {
      auto n = name(true);
      if (!eat(" ")) fail("expected a space after the name");
      if (out.help.count(n)) fail("second HELP for " + n);
      start_family(out, current, n);
      out.help[n] = unescape(rest(), false);
      return;
    }
    if (eat("# TYPE ")) {
      auto n = name(true);
      if (!eat(" ")) fail("expected a space after the name");
      auto t = rest();
      if (t != "counter" && t != "gauge" && t != "histogram" && t != "summary" && t != "untyped")
        fail("unknown type " + t);
      if (out.type.count(n)) fail("second TYPE for " + n);
      for (const auto& s : out.samples)
        if (family_of(out, s.name) == n) fail("TYPE after samples of " + n);
      start_family(out, current, n);
      out.type[n] = t;
      return;
    }
    if (line_[0] == '#') return;  // a comment
    sample s;
    s.line = number_;
    s.name = name(true);
    if (eat("{")) {
      while (!eat("}")) {
        auto key = name(false);
        if (!eat("=\"")) fail("expected =\" after label name");
        size_t start = pos_;
        while (pos_ < line_.size() && line_[pos_] != '"') pos_ += line_[pos_] == '\\' ? 2 : 1;
        if (pos_ >= line_.size()) fail("unterminated label value");
        auto value_text = line_.substr(start, pos_ - start);
        ++pos_;
        if (s.labels.count(key)) fail("label " + key + " twice");
        s.labels[key] = unescape(value_text, true);
        if (!eat(",") && line_.substr(pos_, 1) != "}") fail("expected , or }");
      }
    }
    if (!eat(" ")) fail("expected a space before the value");
    s.value = value();
    start_family(out, current, family_of(out, s.name));
    out.samples.push_back(std::move(s));
  }

  std::string_view line_;
  int number_;
  size_t pos_ = 0;
};

}  // namespace cleave::metrics::testing
