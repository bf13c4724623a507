// Banano's thingey-repo and thingey-store, called by name as any caller would: every answer and
// every error message, the store's config, and the driver scenario. The behaviour tests run under
// every placement: in-process, in-process with every call serialized, and with repository and
// store on nodes of their own as processes of build/bin/banano.
#include "actors/thingey/thingey.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "apps/banano/driver.hpp"
#include "runtime/core/error.hpp"
#include "runtime/testkit/deployment.hpp"
#include "runtime/testkit/test_node.hpp"

namespace {

using namespace thingey;

constexpr const char* repo = "thingey-repo";

cleave::test_options with_store_config(boost::json::object config) {
  cleave::test_options opts;
  opts.configs["thingey-store"] = std::move(config);
  return opts;
}

std::vector<std::string> ids_of(const thingey_list& list) {
  std::vector<std::string> out;
  for (const auto& t : list.items) out.push_back(t.id);
  return out;
}

/// The message test_node throws with when the store refuses `config`, or "" if it starts.
std::string store_start_failure(boost::json::object config) {
  try {
    cleave::test_node node{{store_component(), repo_component()},
                           with_store_config(std::move(config))};
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

using cleave::deployment;

/// Banano; in the multi-process deployment the store and the repository (with its audit trail)
/// run on nodes of their own, and the driver runs in the test.
cleave::app_under_test banano_app(std::map<std::string, boost::json::object> configs = {}) {
  cleave::app_under_test app{
      "banano",
      std::string{CLEAVE_BIN_DIR} + "/banano",
      {store_component(), repo_component(), audit_component(), banano::driver_component()},
      {{"thingey-store", "store"}, {"thingey-repo", "repo"}, {"thingey-audit", "repo"}},
      std::move(configs)};
  return app;
}

boost::json::object capacity(int64_t n) {
  return {{"capacity", n}};
}

class thingey_test : public ::testing::TestWithParam<deployment> {
 protected:
  cleave::deployed deployed_{GetParam(), banano_app()};
  cleave::test_node& node = deployed_.caller();
};

INSTANTIATE_TEST_SUITE_P(placements, thingey_test, ::testing::ValuesIn(cleave::all_deployments),
                         cleave::deployment_name{});

class thingey_store_capacity : public ::testing::TestWithParam<deployment> {
 protected:
  cleave::deployed deployed_{GetParam(), banano_app({{"thingey-store", capacity(1)}})};
  cleave::test_node& node = deployed_.caller();
};

INSTANTIATE_TEST_SUITE_P(placements, thingey_store_capacity,
                         ::testing::ValuesIn(cleave::all_deployments), cleave::deployment_name{});

TEST_P(thingey_test, create_get_list_delete_round_trip) {
  auto created = node.call(repo, create_thingey{{"d1", "first"}});
  ASSERT_TRUE(created) << cleave::describe(created.error());
  EXPECT_EQ(created->id, "d1");
  EXPECT_EQ(created->name, "first");

  auto got = node.call(repo, get_thingey{"d1"});
  ASSERT_TRUE(got) << cleave::describe(got.error());
  EXPECT_EQ(got->id, "d1");
  EXPECT_EQ(got->name, "first");

  auto listed = node.call(repo, list_thingeys{});
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].id, "d1");
  EXPECT_EQ(listed->items[0].name, "first");

  auto deleted = node.call(repo, delete_thingey{"d1"});
  ASSERT_TRUE(deleted) << cleave::describe(deleted.error());
  EXPECT_EQ(deleted->id, "d1");
  EXPECT_EQ(deleted->name, "first") << "delete returns the record it removed";

  auto relisted = node.call(repo, list_thingeys{});
  ASSERT_TRUE(relisted) << cleave::describe(relisted.error());
  EXPECT_TRUE(relisted->items.empty());

  auto gone = node.call(repo, get_thingey{"d1"});
  ASSERT_FALSE(gone);
  EXPECT_EQ(cleave::describe(gone.error()), "not_found: no thingey \"d1\"");
}

TEST_P(thingey_test, empty_store_lists_nothing) {
  auto listed = node.call(repo, list_thingeys{});
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  EXPECT_TRUE(listed->items.empty());
}

TEST_P(thingey_test, list_is_ordered_by_id_not_by_insertion) {
  for (const char* id : {"c", "a", "b10", "b2"}) {
    auto created = node.call(repo, create_thingey{{id, std::string{"name of "} + id}});
    ASSERT_TRUE(created) << id << ": " << cleave::describe(created.error());
  }
  auto listed = node.call(repo, list_thingeys{});
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  EXPECT_EQ(ids_of(*listed), (std::vector<std::string>{"a", "b10", "b2", "c"}));
  EXPECT_EQ(listed->items[0].name, "name of a") << "each id keeps its own name";
  EXPECT_EQ(listed->items[3].name, "name of c");
}

TEST_P(thingey_test, create_with_an_empty_id_is_an_invalid_argument) {
  auto r = node.call(repo, create_thingey{{"", "nameless"}});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::invalid_argument)) << cleave::describe(r.error());
  EXPECT_EQ(cleave::describe(r.error()), "invalid_argument: a thingey needs a non-empty id");
  auto listed = node.call(repo, list_thingeys{});
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  EXPECT_TRUE(listed->items.empty()) << "a refused create must store nothing";
}

TEST_P(thingey_test, get_and_delete_with_an_empty_id_are_invalid_arguments) {
  auto got = node.call(repo, get_thingey{""});
  ASSERT_FALSE(got);
  EXPECT_EQ(cleave::describe(got.error()), "invalid_argument: a thingey needs a non-empty id");
  auto deleted = node.call(repo, delete_thingey{""});
  ASSERT_FALSE(deleted);
  EXPECT_EQ(cleave::describe(deleted.error()), "invalid_argument: a thingey needs a non-empty id");
}

TEST_P(thingey_test, duplicate_create_is_already_exists_naming_the_id_and_keeps_the_original) {
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "original"}}));
  auto again = node.call(repo, create_thingey{{"d1", "impostor"}});
  ASSERT_FALSE(again);
  EXPECT_TRUE(cleave::is(again.error(), cleave::errc::already_exists))
      << cleave::describe(again.error());
  EXPECT_EQ(cleave::describe(again.error()), "already_exists: thingey \"d1\" exists already");
  auto got = node.call(repo, get_thingey{"d1"});
  ASSERT_TRUE(got) << cleave::describe(got.error());
  EXPECT_EQ(got->name, "original");
}

TEST_P(thingey_test, get_of_a_missing_id_is_not_found_naming_the_id) {
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "present"}}));
  auto r = node.call(repo, get_thingey{"d2"});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::not_found)) << cleave::describe(r.error());
  EXPECT_EQ(cleave::describe(r.error()), "not_found: no thingey \"d2\"");
}

TEST_P(thingey_test, delete_of_a_missing_id_is_not_found_naming_the_id) {
  auto r = node.call(repo, delete_thingey{"nope"});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::not_found)) << cleave::describe(r.error());
  EXPECT_EQ(cleave::describe(r.error()), "not_found: no thingey \"nope\"");
}

TEST_P(thingey_test, second_delete_of_the_same_id_is_not_found) {
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "once"}}));
  ASSERT_TRUE(node.call(repo, delete_thingey{"d1"}));
  auto again = node.call(repo, delete_thingey{"d1"});
  ASSERT_FALSE(again);
  EXPECT_EQ(cleave::describe(again.error()), "not_found: no thingey \"d1\"");
}

TEST_P(thingey_test, deleted_id_can_be_created_again) {
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "old"}}));
  ASSERT_TRUE(node.call(repo, delete_thingey{"d1"}));
  auto created = node.call(repo, create_thingey{{"d1", "new"}});
  ASSERT_TRUE(created) << cleave::describe(created.error());
  auto got = node.call(repo, get_thingey{"d1"});
  ASSERT_TRUE(got) << cleave::describe(got.error());
  EXPECT_EQ(got->name, "new");
}

TEST_P(thingey_test, store_answers_its_own_api_directly) {
  auto inserted = node.call("thingey-store", store_insert{{"s1", "direct"}});
  ASSERT_TRUE(inserted) << cleave::describe(inserted.error());
  auto got = node.call(repo, get_thingey{"s1"});
  ASSERT_TRUE(got) << cleave::describe(got.error());
  EXPECT_EQ(got->name, "direct") << "the repo keeps its records in the store";
  auto found = node.call("thingey-store", store_find{"s1"});
  ASSERT_TRUE(found) << cleave::describe(found.error());
  EXPECT_EQ(found->name, "direct");
}

// -- store config -----------------------------------------------------------------------------

TEST_P(thingey_store_capacity, capacity_from_config_limits_the_records) {
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "fits"}}));
  auto full = node.call(repo, create_thingey{{"d2", "does not fit"}});
  ASSERT_FALSE(full);
  EXPECT_TRUE(cleave::is(full.error(), cleave::errc::invalid_argument))
      << cleave::describe(full.error());
  EXPECT_EQ(cleave::describe(full.error()), "invalid_argument: the store is full");
  auto listed = node.call(repo, list_thingeys{});
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  EXPECT_EQ(ids_of(*listed), (std::vector<std::string>{"d1"}));
}

TEST_P(thingey_store_capacity, full_store_accepts_again_after_a_delete) {
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "first"}}));
  ASSERT_TRUE(node.call(repo, delete_thingey{"d1"}));
  auto created = node.call(repo, create_thingey{{"d2", "second"}});
  ASSERT_TRUE(created) << cleave::describe(created.error());
}

TEST_P(thingey_store_capacity, duplicate_in_a_full_store_is_reported_as_a_duplicate) {
  // The more specific reason wins: the id is taken, whatever room is left.
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "first"}}));
  auto again = node.call(repo, create_thingey{{"d1", "again"}});
  ASSERT_FALSE(again);
  EXPECT_EQ(cleave::describe(again.error()), "already_exists: thingey \"d1\" exists already");
}

TEST(thingey_store_config, capacity_of_the_wrong_type_fails_the_start_naming_the_field) {
  EXPECT_EQ(store_start_failure({{"capacity", "x"}}),
            "test_node: internal: thingey-store failed to start: invalid_argument: field "
            "\"capacity\": expected an integer, found \"x\" (string)");
}

TEST(thingey_store_config, capacity_zero_fails_the_start_naming_the_field) {
  EXPECT_EQ(store_start_failure({{"capacity", 0}}),
            "test_node: internal: thingey-store failed to start: config.capacity must be positive");
}

TEST(thingey_store_config, negative_capacity_fails_the_start_naming_the_field) {
  EXPECT_EQ(store_start_failure({{"capacity", -3}}),
            "test_node: internal: thingey-store failed to start: config.capacity must be positive");
}

TEST(thingey_store_config, unknown_config_key_fails_the_start_naming_the_key) {
  EXPECT_EQ(store_start_failure({{"capacty", 10}}),
            "test_node: internal: thingey-store failed to start: invalid_argument: field "
            "\"capacty\" is not a known field");
}

TEST(thingey_store_config, empty_config_starts_with_the_default_capacity) {
  EXPECT_EQ(store_start_failure({}), "");
}

// -- without the store ------------------------------------------------------------------------

TEST(thingey_repo_alone, create_without_a_store_names_the_missing_store) {
  cleave::test_node node{{repo_component()}};
  auto r = node.call(repo, create_thingey{{"d1", "nowhere to go"}});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unknown_component))
      << cleave::describe(r.error());
  // KNOWN BUG (runtime/component/call.cpp, annotate_call_error): the caller's annotation rewrites
  // any unknown_component error, including the inner call's, as if thingey-repo were missing.
  EXPECT_EQ(cleave::what(r.error()),
            "thingey-store.store_insert: no component named \"thingey-store\" in this placement")
      << "the error must name the component that is missing (thingey-store), not the one the "
         "caller reached (thingey-repo)";
}

TEST(thingey_repo_alone, get_without_a_store_names_the_missing_store) {
  // get is delegated to the store, so the store's absence is seen by no actor that knows its name.
  cleave::test_node node{{repo_component()}};
  auto r = node.call(repo, get_thingey{"d1"});
  ASSERT_FALSE(r);
  EXPECT_TRUE(cleave::is(r.error(), cleave::errc::unknown_component))
      << cleave::describe(r.error());
  // KNOWN BUG (see above): reported as "no component named "thingey-repo"". The delegated
  // request reaches the fallback responder, whose error carries no name, and the client's
  // annotation then names the component it called.
  auto text = cleave::what(r.error());
  EXPECT_TRUE(text.find("no component named \"thingey-store\"") != std::string::npos)
      << "the error must name the missing thingey-store: " << cleave::describe(r.error());
  EXPECT_TRUE(text.find("no component named \"thingey-repo\"") == std::string::npos)
      << "thingey-repo is running; the error must not say it is missing: "
      << cleave::describe(r.error());
}

// -- the driver scenario ----------------------------------------------------------------------

class banano_driver_scenario : public ::testing::TestWithParam<deployment> {
 protected:
  cleave::deployed deployed_{GetParam(), banano_app()};
  cleave::test_node& node = deployed_.caller();
};

INSTANTIATE_TEST_SUITE_P(placements, banano_driver_scenario,
                         ::testing::ValuesIn(cleave::all_deployments), cleave::deployment_name{});

TEST_P(banano_driver_scenario, scenario_runs_without_error_and_reports_each_step) {
  ::testing::internal::CaptureStdout();
  auto err = node.run_drivers();
  auto printed = ::testing::internal::GetCapturedStdout();
  EXPECT_FALSE(err) << cleave::describe(err);
  EXPECT_EQ(printed,
            "Starting..\nCreated d1\nGot d1\nListed 1 items\nDeleted d1\nListed 0 items\n");
  auto listed = node.call(repo, list_thingeys{});
  ASSERT_TRUE(listed) << cleave::describe(listed.error());
  EXPECT_TRUE(listed->items.empty()) << "the scenario deletes what it created";
}

TEST_P(banano_driver_scenario, scenario_fails_naming_the_step_when_its_record_exists_already) {
  ASSERT_TRUE(node.call(repo, create_thingey{{"d1", "in the way"}}));
  ::testing::internal::CaptureStdout();
  auto err = node.run_drivers();
  auto printed = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(err) << "the driver must report the failed create";
  EXPECT_EQ(cleave::describe(err),
            "internal: create failed: already_exists: thingey \"d1\" exists already");
  EXPECT_EQ(printed, "Starting..\n") << "nothing after the failed step runs";
}

}  // namespace
