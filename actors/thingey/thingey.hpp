// Thingeys: the records Banano keeps, and the messages of its two components.
//
//   thingey-repo   the repository API callers use: create, get, list, delete; checks the input,
//                  keeps the records in the store
//   thingey-store  an in-memory map of records
//   thingey-audit  a trail of the changes the repository made (told one-way, never waited for)
//
// The boundary between the two is a named call, so the store can run on another node by
// placement alone.
#pragma once

#include <iterator>
#include <string>
#include <vector>

#include "runtime/component/component.hpp"
#include "runtime/core/message.hpp"

namespace thingey {

struct thingey {
  std::string id;
  std::string name;
};
CLEAVE_MESSAGE(thingey, id, name)

struct thingey_list {
  std::vector<thingey> items;
  /// Lists from several store replicas make one (a store placed with "route_by" is asked for its
  /// list on every replica).
  void merge(thingey_list&& other) {
    items.insert(items.end(), std::make_move_iterator(other.items.begin()),
                 std::make_move_iterator(other.items.end()));
  }
};
CLEAVE_MESSAGE(thingey_list, items)

// -- repository API ---------------------------------------------------------------------------

/// Creates `item`; fails with already_exists if its id is taken, invalid_argument if it is empty.
struct create_thingey {
  thingey item;
  using response = thingey;
};
CLEAVE_MESSAGE(create_thingey, item)

/// Gets the thingey with `id`; not_found if there is none.
struct get_thingey {
  std::string id;
  using response = thingey;
};
CLEAVE_MESSAGE(get_thingey, id)

/// Lists every thingey, ordered by id.
struct list_thingeys {
  using response = thingey_list;
};
CLEAVE_MESSAGE(list_thingeys)

/// Deletes the thingey with `id` and returns it; not_found if there is none.
struct delete_thingey {
  std::string id;
  using response = thingey;
};
CLEAVE_MESSAGE(delete_thingey, id)

// -- store API --------------------------------------------------------------------------------

/// Inserts `item`; already_exists if its id is taken.
struct store_insert {
  thingey item;
  using response = thingey;
};
CLEAVE_MESSAGE(store_insert, item)

struct store_find {
  std::string id;
  using response = thingey;
};
CLEAVE_MESSAGE(store_find, id)

struct store_list {
  using response = thingey_list;
};
CLEAVE_MESSAGE(store_list)

struct store_erase {
  std::string id;
  using response = thingey;
};
CLEAVE_MESSAGE(store_erase, id)

// -- audit API ---------------------------------------------------------------------------------

/// One-way: the repository changed a record ("created" or "deleted").
struct audit_event {
  std::string op;
  std::string id;
};
CLEAVE_MESSAGE(audit_event, op, id)

struct audit_trail {
  std::vector<audit_event> events;
};
CLEAVE_MESSAGE(audit_trail, events)

/// The events recorded so far, oldest first.
struct get_audit_trail {
  using response = audit_trail;
};
CLEAVE_MESSAGE(get_audit_trail)

/// The store's "config" in the placement.
struct store_config {
  /// Most records the store keeps; inserts beyond fail with invalid_argument. Default 10000.
  std::optional<int64_t> capacity;
};
CLEAVE_MESSAGE(store_config, capacity)

/// "thingey-store".
cleave::component store_component();

/// "thingey-repo".
cleave::component repo_component();

/// "thingey-audit".
cleave::component audit_component();

}  // namespace thingey
