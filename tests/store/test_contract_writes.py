"""Store contract: inserts, upserts, atomic replace, capping, count and last_updated."""
from datetime import UTC, datetime, timedelta

import pytest

from backdrop.query import Query
from backdrop.store.errors import BucketNotFound

from .helpers import at, config, custom, ids, prepare


def all_records(store, name):
    return store.raw(name, Query())


def test_insert_returns_the_number_stored_and_counts_them(store):
    store.create_bucket(config("visits"))

    stored = store.insert("visits", prepare([
        {"_timestamp": "2014-01-01T00:00:00Z", "n": 1},
        {"_timestamp": "2014-01-02T00:00:00Z", "n": 2},
    ]))

    assert stored == 2
    assert store.count("visits") == 2


def test_records_come_back_as_prepared(store):
    store.create_bucket(config("visits"))
    sent = prepare([{
        "_id": "abc", "_timestamp": "2014-01-01T10:11:12+01:00",
        "_start_at": "2014-01-01T00:00:00Z", "_end_at": "2014-01-02",
        "name": "Ünïcode ☃", "int": 9007199254740993, "float": 1.5, "yes": True, "no": False,
        "nothing": None, "empty": "",
    }])
    store.insert("visits", sent)

    [record] = all_records(store, "visits")

    assert record == sent[0]
    assert record["_timestamp"] == datetime(2014, 1, 1, 9, 11, 12, tzinfo=UTC)
    assert record["_timestamp"].utcoffset() == timedelta(0)
    assert record["_end_at"] == datetime(2014, 1, 2, tzinfo=UTC)
    assert type(record["int"]) is int and type(record["yes"]) is bool
    assert type(record["_id"]) is str


def test_store_internal_fields_are_never_returned(store):
    custom(store, "visits", [{"_timestamp": "2014-01-01T00:00:00Z", "a": 1}, {"b": 2}])

    for record in all_records(store, "visits"):
        assert set(record) - {"a", "b"} <= {"_id", "_timestamp"}


def test_an_existing_id_is_replaced_whole(store):
    store.create_bucket(config("visits"))
    store.insert("visits", prepare([{"_id": "x", "_timestamp": "2014-01-01T00:00:00Z", "old": 1},
                                    {"_id": "y", "_timestamp": "2014-01-02T00:00:00Z"}]))

    store.insert("visits", prepare([{"_id": "x", "_timestamp": "2014-01-03T00:00:00Z", "new": 2}]))

    assert store.count("visits") == 2
    assert all_records(store, "visits") == prepare([
        {"_id": "y", "_timestamp": "2014-01-02T00:00:00Z"},
        {"_id": "x", "_timestamp": "2014-01-03T00:00:00Z", "new": 2},
    ])


def test_the_last_of_repeated_ids_in_one_batch_wins(store):
    store.create_bucket(config("visits"))

    store.insert("visits", prepare([{"_id": "x", "_timestamp": "2014-01-01T00:00:00Z", "v": 1},
                                    {"_id": "x", "_timestamp": "2014-01-01T00:00:00Z", "v": 2}]))

    assert [record["v"] for record in all_records(store, "visits")] == [2]


def test_auto_ids_upsert(store):
    store.create_bucket(config("visits", auto_ids=["a", "b"]))

    for value in (1, 2):
        store.insert("visits", prepare([{"_timestamp": "2014-01-01T00:00:00Z", "a": "x",
                                         "b": "y", "v": value}], auto_ids=["a", "b"]))

    assert [record["v"] for record in all_records(store, "visits")] == [2]


def test_writes_to_an_unknown_bucket_raise_not_found(store):
    records = prepare([{"_timestamp": "2014-01-01T00:00:00Z"}])
    for write in (lambda: store.insert("nope", records),
                  lambda: store.replace_all("nope", records),
                  lambda: store.count("nope"),
                  lambda: store.last_updated("nope"),
                  lambda: store.raw("nope", Query())):
        with pytest.raises(BucketNotFound):
            write()


def test_a_failing_batch_stores_nothing(store):
    store.create_bucket(config("visits"))
    store.insert("visits", prepare([{"_id": "keep", "_timestamp": "2014-01-01T00:00:00Z"}]))
    written = store.last_updated("visits")
    batch = prepare([{"_id": "keep", "_timestamp": "2014-01-05T00:00:00Z", "changed": 1},
                     {"_id": "new", "_timestamp": "2014-01-06T00:00:00Z"}])
    batch[1]["bad"] = object()  # cannot be stored by any backend

    with pytest.raises(Exception):  # noqa: B017 - any error, as long as nothing is stored
        store.insert("visits", batch)
    with pytest.raises(Exception):  # noqa: B017
        store.replace_all("visits", batch)

    assert store.last_updated("visits") == written
    assert all_records(store, "visits") == prepare(
        [{"_id": "keep", "_timestamp": "2014-01-01T00:00:00Z"}])


# -- replace_all ------------------------------------------------------------
def test_replace_all_swaps_every_record(store):
    custom(store, "visits", [{"_id": "a", "v": 1}, {"_id": "b", "v": 2}])

    stored = store.replace_all("visits", prepare([{"_id": "c", "v": 3}, {"_id": "a", "v": 4}],
                                                 "custom"))

    assert stored == 2
    assert sorted((r["_id"], r["v"]) for r in all_records(store, "visits")) == [("a", 4), ("c", 3)]


def test_replace_all_with_nothing_empties_the_bucket(store):
    custom(store, "visits", [{"v": 1}, {"v": 2}])

    assert store.replace_all("visits", []) == 0

    assert store.count("visits") == 0
    assert all_records(store, "visits") == []


def test_replace_all_leaves_other_buckets_alone(store):
    custom(store, "one", [{"v": 1}])
    custom(store, "two", [{"v": 2}])

    store.replace_all("one", [])

    assert store.count("two") == 1


# -- capped buckets -------------------------------------------------------
def test_capped_insert_keeps_the_newest_by_write_order(store):
    store.create_bucket(config("live", bucket_type="realtime", capped_size=3))
    # Timestamps run backwards: write order, not time, decides what is kept.
    for day in range(9, 4, -1):
        store.insert("live", prepare([{"_id": f"d{day}", "_timestamp": f"2014-01-0{day}"}]),
                     capped_size=3)

    assert store.count("live") == 3
    assert ids(all_records(store, "live")) == ["d5", "d6", "d7"]


def test_capping_applies_within_one_batch(store):
    store.create_bucket(config("live", bucket_type="realtime", capped_size=2))

    stored = store.insert("live", prepare([{"_id": f"r{n}", "_timestamp": "2014-01-01"}
                                           for n in range(5)]), capped_size=2)

    assert stored == 5
    assert ids(all_records(store, "live")) == ["r3", "r4"]


def test_an_upsert_counts_as_a_new_write_for_capping(store):
    store.create_bucket(config("live", bucket_type="realtime", capped_size=3))
    for name in ("a", "b", "c", "a", "d"):
        store.insert("live", prepare([{"_id": name, "_timestamp": "2014-01-01"}]), capped_size=3)

    assert sorted(ids(all_records(store, "live"))) == ["a", "c", "d"]


def test_capped_size_zero_keeps_nothing(store):
    store.create_bucket(config("live", bucket_type="realtime", capped_size=0))

    store.insert("live", prepare([{"_timestamp": "2014-01-01"}]), capped_size=0)

    assert store.count("live") == 0


def test_insert_without_capped_size_keeps_everything(store):
    store.create_bucket(config("visits", capped_size=1))

    store.insert("visits", prepare([{"_timestamp": "2014-01-01"}, {"_timestamp": "2014-01-02"}]))

    assert store.count("visits") == 2


# -- last_updated ---------------------------------------------------------
def test_last_updated_is_none_before_any_write(store):
    store.create_bucket(config("visits"))

    assert store.last_updated("visits") is None


def test_last_updated_is_the_time_of_the_newest_write(store):
    store.create_bucket(config("one"))
    store.create_bucket(config("two"))
    # Stores may keep milliseconds only.
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    store.insert("one", prepare([{"_timestamp": "2001-01-01T00:00:00Z"}]))
    after = datetime.now(UTC) + timedelta(milliseconds=1)

    moment = store.last_updated("one")

    assert before <= moment <= after
    assert moment.utcoffset() == timedelta(0)
    assert store.last_updated("two") is None


def test_replace_all_counts_as_a_write_even_when_empty(store):
    store.create_bucket(config("visits"))
    before = datetime.now(UTC) - timedelta(milliseconds=1)

    store.replace_all("visits", [])

    assert store.last_updated("visits") >= before


def test_each_write_moves_last_updated_forward(store):
    store.create_bucket(config("visits"))
    store.insert("visits", prepare([{"_timestamp": "2014-01-01"}]))
    first = store.last_updated("visits")
    while datetime.now(UTC) < first + timedelta(milliseconds=3):
        pass

    store.insert("visits", prepare([{"_timestamp": "2014-01-01"}]))

    assert store.last_updated("visits") > first


def test_count_is_per_bucket(store):
    custom(store, "one", [{"v": 1}, {"v": None}, {}])
    custom(store, "two", [])

    assert store.count("one") == 3
    assert store.count("two") == 0


def test_timestamps_keep_the_instant(store):
    custom(store, "visits", [{"_id": "x", "_timestamp": "2014-03-30T01:30:00-05:00"}])

    [record] = all_records(store, "visits")

    assert record["_timestamp"] == at("2014-03-30T06:30:00+00:00")
