#include "runtime/component/detail/guarded_actor.hpp"

#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_id.hpp>
#include <caf/node_id.hpp>
#include <caf/system_messages.hpp>

#include "runtime/component/detail/directory.hpp"
#include "runtime/core/log.hpp"

namespace cleave::detail {

bool refused_from_peers(const caf::mailbox_element& element, const caf::node_id& here) {
  // cleave uses no CAF streams. A message that claims a stream category without being a stream
  // message ends the actor's thread in CAF 0.17's mailbox (downstream_messages::id_of reads a
  // null element), and a peer sets that category in the message id it sends (found by
  // tests/fuzz/node_port_fuzz.cpp).
  if (element.mid.category() >= caf::message_id::upstream_message_category) return true;
  if (element.sender && element.sender->node() == here) return false;
  const auto& content = element.content();
  if (content.match_elements<caf::exit_msg>()) return true;
  if (content.size() == 0 || !content.match_element<caf::atom_value>(0)) return false;
  auto atom = content.get_as<caf::atom_value>(0);
  return atom == caf::link_atom::value || atom == caf::unlink_atom::value ||
         atom == caf::sys_atom::value;
}

void log_refused_message(caf::actor_system& sys, const char* actor,
                         const caf::mailbox_element& element) {
  static log_limiter limiter{20};
  boost::json::object fields;
  // Checked first: a peer flooding such messages costs no formatting of them.
  if (!limiter.admit(fields)) return;
  // A peer chooses the message: only its start goes to the log.
  auto text = element.content().stringify();
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  fields["actor"] = actor;
  fields["message"] = text;
  fields["from_node"] = element.sender ? to_string(element.sender->node()) : std::string{"unknown"};
  const auto* rt = runtime_of(sys);
  log("warning", rt != nullptr ? rt->node_name : std::string{}, "message from a peer dropped",
      fields);
}

caf::mailbox_element_ptr stop_element() {
  return caf::make_mailbox_element(
      nullptr, caf::make_message_id(), {},
      caf::exit_msg{caf::actor_addr{}, caf::exit_reason::user_shutdown});
}

}  // namespace cleave::detail
