"""Store contract: ``delete_records`` and ``update_records`` (SPEC 2.1 DELETE and PATCH)."""
import pytest

from backdrop.query import Filter, PrefixFilter, Query
from backdrop.records import RecordError
from backdrop.store.errors import BucketNotFound, RecordNotFound

from .helpers import at, custom, ids, prepare, rows

RECORDS = [
    {"_id": "a", "_timestamp": "2024-01-01T10:00:00Z", "browser": "Firefox", "n": 1},
    {"_id": "b", "_timestamp": "2024-01-02T10:00:00Z", "browser": "Chrome", "n": 2},
    {"_id": "c", "_timestamp": "2024-01-03T00:00:00Z", "browser": "Firefox", "n": 3},
    {"_id": "d", "browser": "Fire", "n": True},
]


@pytest.fixture
def visits(store):
    custom(store, "visits", RECORDS)
    return store


def remaining(store):
    return ids(store.raw("visits", Query()))


@pytest.mark.parametrize("query, deleted", [
    (Query(filters=(Filter("_id", ("b",)),)), ["b"]),
    (Query(filters=(Filter("n", ("1", 1)),)), ["a"]),
    (Query(filters=(Filter("n", ("true", True)),)), ["d"]),
    (Query(filters=(Filter("browser", ("Firefox",)), Filter("n", ("3", 3)))), ["c"]),
    (Query(prefix_filters=(PrefixFilter("browser", "Fire"),)), ["d", "a", "c"]),
    (Query(start_at=at("2024-01-02T00:00:00Z"), end_at=at("2024-01-03T00:00:00Z")), ["b"]),
    (Query(start_at=at("2024-01-02T00:00:00Z"), end_at=at("2024-01-03T00:00:00Z"),
           end_inclusive=True), ["b", "c"]),
    (Query(filters=(Filter("nobody", ("x",)),)), []),
    (Query(filters=(Filter("_id", (1,)),)), []),
])
def test_delete_records_takes_what_raw_returns(visits, query, deleted):
    assert ids(visits.raw("visits", query)) == deleted
    assert visits.count("visits", query) == len(deleted)

    assert visits.delete_records("visits", query) == len(deleted)

    assert remaining(visits) == [record for record in ["d", "a", "b", "c"] if record not in deleted]
    assert visits.count("visits") == 4 - len(deleted)
    assert visits.raw("visits", query) == []


def test_aggregates_and_bounds_follow_a_delete(visits):
    by_browser = Query(group_by=("browser",))
    assert rows(visits.aggregate("visits", by_browser)) == [
        (("Chrome",), None, 1), (("Fire",), None, 1), (("Firefox",), None, 2)]
    assert visits.time_bounds("visits", Query()) == (at("2024-01-01T10:00:00Z"), at("2024-01-03T00:00:00Z"))

    visits.delete_records("visits", Query(filters=(Filter("_id", ("a", "c")),)))

    assert rows(visits.aggregate("visits", by_browser)) == [(("Chrome",), None, 1), (("Fire",), None, 1)]
    bounds = visits.time_bounds("visits", Query())
    assert bounds == (at("2024-01-02T10:00:00Z"), at("2024-01-02T10:00:00Z"))


def test_last_updated_moves_only_when_records_are_deleted(visits):
    written = visits.last_updated("visits")
    assert visits.delete_records("visits", Query(filters=(Filter("_id", ("zz",)),))) == 0
    assert visits.last_updated("visits") == written
    visits.delete_records("visits", Query(filters=(Filter("_id", ("a",)),)))
    assert visits.last_updated("visits") > written


def test_a_deleted_id_may_be_written_again(visits):
    visits.delete_records("visits", Query(filters=(Filter("_id", ("a",)),)))
    visits.insert("visits", prepare([{"_id": "a", "_timestamp": "2024-02-01T00:00:00Z", "n": 9}]))
    assert visits.raw("visits", Query(filters=(Filter("_id", ("a",)),))) == prepare(
        [{"_id": "a", "_timestamp": "2024-02-01T00:00:00Z", "n": 9}])


def test_unknown_buckets_are_refused(store):
    with pytest.raises(BucketNotFound):
        store.delete_records("nowhere", Query(filters=(Filter("_id", ("a",)),)))
    with pytest.raises(BucketNotFound):
        store.update_records("nowhere", ["a"], lambda stored: [])


def test_update_records_gives_revise_the_stored_records_and_stores_its_answer(visits):
    seen = {}

    def revise(stored):
        seen.update(stored)
        return prepare([{**RECORDS[0], "n": 10}, {"_id": "d", "browser": "Opera"}], "custom")

    assert visits.update_records("visits", ["a", "d", "a"], revise) == 2

    assert seen == {"a": prepare([RECORDS[0]], "custom")[0], "d": prepare([RECORDS[3]], "custom")[0]}
    assert visits.raw("visits", Query(filters=(Filter("_id", ("a", "d")),))) == prepare(
        [{"_id": "d", "browser": "Opera"}, {**RECORDS[0], "n": 10}], "custom")
    assert rows(visits.aggregate("visits", Query(group_by=("browser",)))) == [
        (("Chrome",), None, 1), (("Firefox",), None, 2), (("Opera",), None, 1)]


def test_an_updated_timestamp_moves_the_record_between_periods(visits):
    days = Query(period="day", start_at=at("2024-01-01T00:00:00Z"), end_at=at("2024-01-04T00:00:00Z"))
    assert [group.count for group in visits.aggregate("visits", days)] == [1, 1, 1]

    visits.update_records("visits", ["a"], lambda stored: prepare(
        [{**RECORDS[0], "_timestamp": "2024-01-03T12:00:00Z"}], "custom"))

    assert [(group.period_start, group.count) for group in visits.aggregate("visits", days)] == [
        (at("2024-01-02T00:00:00Z"), 1), (at("2024-01-03T00:00:00Z"), 2)]


def test_an_unknown_id_is_refused_and_nothing_is_written(visits):
    before, written = visits.raw("visits", Query()), visits.last_updated("visits")
    called = []

    with pytest.raises(RecordNotFound) as refused:
        visits.update_records("visits", ["a", "ghost", "other"], lambda stored: called.append(1) or [])

    assert refused.value.record_id == "ghost"
    assert called == []
    assert visits.raw("visits", Query()) == before and visits.last_updated("visits") == written


def test_what_revise_raises_comes_through_and_nothing_is_written(visits):
    before, written = visits.raw("visits", Query()), visits.last_updated("visits")

    def revise(stored):
        raise RecordError("no", 1)

    with pytest.raises(RecordError):
        visits.update_records("visits", ["a", "b"], revise)

    assert visits.raw("visits", Query()) == before and visits.last_updated("visits") == written


def test_no_ids_write_nothing(visits):
    written = visits.last_updated("visits")
    assert visits.update_records("visits", [], lambda stored: []) == 0
    assert visits.last_updated("visits") == written
