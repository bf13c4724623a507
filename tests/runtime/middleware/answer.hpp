// Running handlers in tests: `answer` for the answer given at once; `deferred` (an inner handler
// that answers when the test says so) and `answers` (what the outer respond was given) for
// answers that come after the handler returned.
//
//   auto h = mw::request_id()(cleave::answer_now([](cleave::http_request&) { ... }));
//   auto res = mw::testing::answer(h, req);          // fails the test unless answered at once
//
//   mw::testing::deferred inner;
//   auto h2 = mw::request_id()(inner.handler());
//   mw::testing::answers out;
//   h2(req, out.respond());
//   inner.answer(0, cleave::json_reply(200, "{}"));  // the answer comes after h2 returned
//   ASSERT_EQ(out.got().size(), 1u);
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "runtime/gateway/http.hpp"

namespace cleave::middleware::testing {

/// The answer `h` gives `req` before it returns. Fails the test if it answers twice or after
/// returning, and fails it and throws std::logic_error if it has not answered when it returns
/// (there is no response to go on with). An exception from `h` goes on.
inline http_response answer(const http_handler& h, http_request& req) {
  struct state {
    std::vector<http_response> answers;
    bool returned = false;
  };
  auto s = std::make_shared<state>();
  h(req, [s](http_response res) {
    if (s->returned)
      ADD_FAILURE() << "answered after the handler returned (status " << res.status << ")";
    else if (!s->answers.empty())
      ADD_FAILURE() << "answered twice (statuses " << s->answers.front().status << " and "
                    << res.status << ")";
    s->answers.push_back(std::move(res));
  });
  s->returned = true;
  if (s->answers.empty()) {
    ADD_FAILURE() << "the handler returned without answering";
    throw std::logic_error("no answer");
  }
  return s->answers.front();
}

/// Collects the answers given to a request whose answer may come later.
class answers {
 public:
  /// A respond that keeps what it is given (this object must outlive it).
  http_respond respond() {
    return [this](http_response res) {
      got_.push_back(std::move(res));
    };
  }

  /// Every answer given, in order: a middleware must give exactly one.
  const std::vector<http_response>& got() const { return got_; }

 private:
  std::vector<http_response> got_;
};

/// An inner handler that keeps every request's respond, to answer it when the test says so.
class deferred {
 public:
  /// The handler; it counts as a call and answers nothing (this object must outlive it).
  http_handler handler() {
    return [this](http_request&, http_respond respond) {
      pending_.push_back(std::move(respond));
    };
  }

  /// How many requests reached the handler.
  size_t calls() const { return pending_.size(); }

  /// Answers the `i`th request (in order of arrival) with `res`.
  void answer(size_t i, http_response res) {
    ASSERT_LT(i, pending_.size()) << "no request " << i << " reached the handler";
    pending_[i](std::move(res));
  }

 private:
  std::vector<http_respond> pending_;
};

}  // namespace cleave::middleware::testing
