"""Store contract: bucket configs, users and ping, on every backend."""
import pytest
from zope.interface.verify import verifyObject

from backdrop.interfaces import IStore
from backdrop.store.errors import BucketExists, BucketNotFound, DataGroupClash

from .helpers import config, events


def test_provides_the_store_interface(store):
    assert verifyObject(IStore, store)
    assert store.url


def test_ping_answers_true(store):
    assert store.ping() is True


# -- buckets ----------------------------------------------------------------
def test_created_bucket_reads_back_unchanged(store):
    created = config("visits", data_group="gov", data_type="visits", auto_ids=["a", "b"],
                     capped_size=10, max_age_expected=3600, published=False)
    store.create_bucket(created)

    assert store.get_bucket("visits") == created
    assert store.find_bucket("gov", "visits") == created
    assert store.list_buckets() == [created]


def test_unknown_buckets_are_none(store):
    store.create_bucket(config("visits", data_group="gov", data_type="visits"))

    assert store.get_bucket("nope") is None
    assert store.find_bucket("gov", "nope") is None
    assert store.find_bucket("nope", "visits") is None
    assert store.find_bucket(None, None) is None


def test_creating_an_existing_name_raises_bucket_exists(store):
    store.create_bucket(config("visits", published=True))

    with pytest.raises(BucketExists):
        store.create_bucket(config("visits", published=False))
    assert store.get_bucket("visits")["published"] is True


def test_a_taken_data_group_and_type_pair_clashes(store):
    store.create_bucket(config("one", data_group="gov", data_type="visits"))

    with pytest.raises(DataGroupClash):
        store.create_bucket(config("two", data_group="gov", data_type="visits"))
    assert store.get_bucket("two") is None


def test_pairs_differing_in_one_part_do_not_clash(store):
    store.create_bucket(config("one", data_group="gov", data_type="visits"))
    store.create_bucket(config("two", data_group="gov", data_type="sales"))
    store.create_bucket(config("three", data_group="nhs", data_type="visits"))

    assert store.find_bucket("gov", "sales")["name"] == "two"
    assert store.find_bucket("nhs", "visits")["name"] == "three"


def test_buckets_without_an_address_never_clash(store):
    store.create_bucket(config("one"))
    store.create_bucket(config("two"))

    assert [bucket["name"] for bucket in store.list_buckets()] == ["one", "two"]


def test_list_is_sorted_by_name(store):
    for name in ["b-2", "a_1", "c", "a"]:
        store.create_bucket(config(name))

    assert [bucket["name"] for bucket in store.list_buckets()] == ["a", "a_1", "b-2", "c"]


def test_update_changes_fields_and_returns_the_new_config(store):
    store.create_bucket(config("visits", data_group="gov", data_type="visits"))

    updated = store.update_bucket("visits", {"published": False, "capped_size": 7})

    assert updated == config("visits", data_group="gov", data_type="visits",
                             published=False, capped_size=7)
    assert store.get_bucket("visits") == updated


def test_update_can_move_the_address(store):
    store.create_bucket(config("visits", data_group="gov", data_type="visits"))

    store.update_bucket("visits", {"data_group": "nhs"})

    assert store.find_bucket("nhs", "visits")["name"] == "visits"
    assert store.find_bucket("gov", "visits") is None


def test_update_to_its_own_address_is_fine(store):
    store.create_bucket(config("visits", data_group="gov", data_type="visits"))

    store.update_bucket("visits", {"data_group": "gov", "data_type": "visits", "queryable": False})

    assert store.get_bucket("visits")["queryable"] is False


def test_update_of_an_unknown_bucket_raises_not_found(store):
    with pytest.raises(BucketNotFound):
        store.update_bucket("nope", {"published": False})


def test_update_onto_a_taken_address_clashes_and_changes_nothing(store):
    store.create_bucket(config("one", data_group="gov", data_type="visits"))
    store.create_bucket(config("two", data_group="gov", data_type="sales"))

    with pytest.raises(DataGroupClash):
        store.update_bucket("two", {"data_type": "visits", "published": False})
    assert store.get_bucket("two") == config("two", data_group="gov", data_type="sales")


def test_delete_removes_config_and_records(store):
    events(store, "visits", [{"_timestamp": "2014-01-01T00:00:00Z", "n": 1}],
           data_group="gov", data_type="visits")

    assert store.delete_bucket("visits") is True

    assert store.get_bucket("visits") is None
    assert store.find_bucket("gov", "visits") is None
    assert store.list_buckets() == []
    store.create_bucket(config("visits", data_group="gov", data_type="visits"))
    assert store.count("visits") == 0
    assert store.last_updated("visits") is None


def test_delete_of_an_unknown_bucket_is_false(store):
    assert store.delete_bucket("nope") is False


def test_deleting_one_bucket_leaves_the_others(store):
    events(store, "one", [{"_timestamp": "2014-01-01T00:00:00Z"}])
    events(store, "two", [{"_timestamp": "2014-01-01T00:00:00Z"}])

    store.delete_bucket("one")

    assert store.count("two") == 1


# -- users ----------------------------------------------------------------
def test_users_round_trip(store):
    store.save_user("b@example.com", ["visits", "sales"])
    store.save_user("a@example.com", [])

    assert store.get_user("b@example.com") == {"email": "b@example.com",
                                               "buckets": ["visits", "sales"]}
    assert store.list_users() == [
        {"email": "a@example.com", "buckets": []},
        {"email": "b@example.com", "buckets": ["visits", "sales"]},
    ]


def test_saving_a_user_again_replaces_their_buckets(store):
    store.save_user("a@example.com", ["visits"])
    store.save_user("a@example.com", ["sales"])

    assert store.list_users() == [{"email": "a@example.com", "buckets": ["sales"]}]


def test_deleting_users(store):
    store.save_user("a@example.com", ["visits"])

    assert store.delete_user("a@example.com") is True
    assert store.get_user("a@example.com") is None
    assert store.delete_user("a@example.com") is False
    assert store.list_users() == []
