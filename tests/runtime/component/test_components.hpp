// Small components that exercise each way of answering a call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/component/reply.hpp"
#include "runtime/core/message.hpp"
#include "runtime/placement/placement.hpp"

namespace component_test {

struct echoed {
  std::string text;
  std::string by;
};
CLEAVE_MESSAGE(echoed, text, by)

/// Answered at once by "echo".
struct echo {
  std::string text;
  using response = echoed;
};
CLEAVE_MESSAGE(echo, text)

/// How many replicas answered a tally: merged over every replica of a keyed "echo".
struct tallied {
  int64_t replicas = 0;
  void merge(tallied&& other) { replicas += other.replicas; }
};
CLEAVE_MESSAGE(tallied, replicas)

/// Answered by "echo" with one replica; without a key, a keyed "echo" asks every replica.
struct echo_tally {
  using response = tallied;
};
CLEAVE_MESSAGE(echo_tally)

/// Answered at once by "echo", and declared idempotent: retried on another replica when the one
/// it went to is lost.
struct echo_idempotent {
  std::string text;
  using response = echoed;
  static constexpr bool idempotent = true;
};
CLEAVE_MESSAGE(echo_idempotent, text)

/// "later" keeps the reply handle and answers from another handler.
struct echo_later {
  std::string text;
  using response = echoed;
};
CLEAVE_MESSAGE(echo_later, text)

/// "forwarder" passes the reply handle to "answerer", which answers the caller.
struct echo_elsewhere {
  std::string text;
  using response = echoed;
};
CLEAVE_MESSAGE(echo_elsewhere, text)

/// "forwarder" delegates the request to "echo" (CAF delegation).
struct echo_delegated {
  std::string text;
  using response = echoed;
};
CLEAVE_MESSAGE(echo_delegated, text)

/// One-way: carries a reply handle to whoever answers.
struct answer_for {
  cleave::reply_handle<echoed> reply;
  std::string text;
};
CLEAVE_MESSAGE(answer_for, reply, text)

/// "relay" calls `target` from inside an actor and reports what came back.
struct relay {
  std::string target;
  std::string text;
  int32_t timeout_ms = 0;
  using response = echoed;
};
CLEAVE_MESSAGE(relay, target, text, timeout_ms)

/// "failing" answers with an error ("error"), throws ("throw"), ends ("quit") or succeeds
/// ("ok").
struct fail {
  std::string mode;
  using response = echoed;
};
CLEAVE_MESSAGE(fail, mode)

/// "silent" never answers (this, nor echo): it keeps the reply handles.
struct never_answer {
  using response = void;
};
CLEAVE_MESSAGE(never_answer)

/// "sequencer", a coroutine handler: calls each of `targets` in turn with echo{text} and answers
/// with their answers joined ("a+b", by "sequencer<-" the last one). Fails with the first failure;
/// with `throw_after_first`, throws once the first call has answered.
struct sequence {
  std::vector<std::string> targets;
  std::string text;
  bool throw_after_first = false;
  using response = echoed;
};
CLEAVE_MESSAGE(sequence, targets, text, throw_after_first)

struct sequencer_tally {
  int32_t started = 0;
  int32_t finished = 0;
};
CLEAVE_MESSAGE(sequencer_tally, started, finished)

/// "sequencer": how many sequences it has started and finished (answered at once, while
/// sequences wait).
struct sequencer_counts {
  using response = sequencer_tally;
};
CLEAVE_MESSAGE(sequencer_counts)

/// "sequencer", a coroutine handler with a void response: calls echo{text}, then answers.
struct sequence_touch {
  std::string target;
  using response = void;
};
CLEAVE_MESSAGE(sequence_touch, target)

struct silent_config {
  std::string greeting;
};
CLEAVE_MESSAGE(silent_config, greeting)

cleave::component echo_component();
cleave::component later_component();
cleave::component forwarder_component();
cleave::component answerer_component();
cleave::component relay_component();
cleave::component failing_component();
cleave::component silent_component();
/// "whoami": answers echo with the id of the request it works for (text) and "whoami" (by).
cleave::component whoami_component();
/// "sequencer": coroutine handlers (sequence, sequence_touch), and sequencer_counts.
cleave::component sequencer_component();

/// Every component above.
std::vector<cleave::component> all_components();

/// Options that check a placement as cleave_test_app (all_components as an app) does.
cleave::placement_options test_app_options();

}  // namespace component_test
