#include "runtime/core/detail/strict_json.hpp"

#include <set>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

namespace cleave::detail {

namespace json = boost::json;

namespace {

// Builds the value the way boost::json::parser does (through a value_stack), and on the way keeps
// the keys of every open object. Stopping inside the parser (rather than checking the finished
// value, where the duplicate is already gone) also gives the position.
class checking_handler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  checking_handler() { stack_.reset(); }

  /// The path of the repeated key that stopped the parse; empty if none did.
  const std::vector<json_step>& duplicate() const { return duplicate_; }

  json::value release() { return stack_.release(); }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) {
    frames_.push_back(frame{true, {}, {}, 0});
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    frames_.pop_back();
    stack_.push_object(n);
    value_done();
    return true;
  }
  bool on_array_begin(json::error_code&) {
    frames_.push_back(frame{false, {}, {}, 0});
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    frames_.pop_back();
    stack_.push_array(n);
    value_done();
    return true;
  }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    auto& top = frames_.back();
    top.key = std::move(key_);
    key_.clear();
    if (!top.keys.insert(top.key).second) {
      duplicate_ = current_path();
      ec = json::error::syntax;  // any error stops the parser; duplicate_ tells them apart
      return false;
    }
    stack_.push_key(s);
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_string(s);
    value_done();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    stack_.push_int64(i);
    value_done();
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    stack_.push_uint64(u);
    value_done();
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    stack_.push_double(d);
    value_done();
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack_.push_bool(b);
    value_done();
    return true;
  }
  bool on_null(json::error_code&) {
    stack_.push_null();
    value_done();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct frame {
    bool is_object;
    std::set<std::string> keys;  // keys seen so far (objects)
    std::string key;             // the key whose value is being read (objects)
    size_t done;                 // elements completed so far = index of the next one (arrays)
  };

  void value_done() {
    if (!frames_.empty()) ++frames_.back().done;
  }

  std::vector<json_step> current_path() const {
    std::vector<json_step> path;
    for (const auto& f : frames_)
      path.push_back(f.is_object ? json_step{true, f.key, 0} : json_step{false, {}, f.done});
    return path;
  }

  json::value_stack stack_;
  std::vector<frame> frames_;
  std::string key_;
  std::vector<json_step> duplicate_;
};

}  // namespace

strict_json parse_strict(std::string_view text, const json::parse_options& options) {
  json::basic_parser<checking_handler> parser(options);
  strict_json out;
  out.consumed = parser.write_some(false, text.data(), text.size(), out.ec);
  if (!out.ec && out.consumed < text.size()) out.ec = json::error::extra_data;
  out.duplicate = parser.handler().duplicate();
  if (!out.ec) out.value = parser.handler().release();
  return out;
}

}  // namespace cleave::detail
