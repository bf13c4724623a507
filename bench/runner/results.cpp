#include "bench/runner/results.hpp"

#include <algorithm>
#include <sstream>

#include <boost/json/parse.hpp>

namespace cleave_bench {

summary summarize(std::vector<double> values) {
  summary s;
  s.count = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  auto n = values.size();
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  s.min = values.front();
  s.max = values.back();
  return s;
}

size_t results::add_lines(const std::string& output) {
  std::istringstream in{output};
  std::string line;
  size_t found = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '{') continue;
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.get_object();
    const auto* bench = o.if_contains("bench");
    const auto* metric = o.if_contains("metric");
    const auto* variant = o.if_contains("variant");
    const auto* value = o.if_contains("value");
    if (!bench || !metric || !variant || !value || !bench->is_string() || !metric->is_string() ||
        !variant->is_string() || !value->is_number())
      continue;
    add({std::string{bench->get_string()}, std::string{metric->get_string()},
         std::string{variant->get_string()}},
        value->to_number<double>());
    ++found;
  }
  return found;
}

std::optional<summary> results::get(const result_key& key) const {
  auto i = values_.find(key);
  if (i == values_.end() || i->second.empty()) return std::nullopt;
  return summarize(i->second);
}

}  // namespace cleave_bench
