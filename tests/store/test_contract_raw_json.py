"""Store contract: ``raw_json`` is ``record_text`` of each record ``raw`` returns.

The read API joins these texts into a raw answer unparsed, so each must be
byte for byte what the generic path writes, and show what SPEC 3.3 shows:
``_timestamp`` first, datetimes in ISO 8601 with ``+00:00``.
"""
import json
from datetime import UTC, datetime

import pytest

from backdrop.raw_text import record_text
from backdrop.store.errors import BucketNotFound

from .helpers import Filter, Query, SortBy, at, custom, events, ids

VALUES = {"s": "é ✓ \"quoted\" \\ back", "f": 1.0, "z": -0.0, "e": 1e16, "tiny": 5e-324,
          "big": 2**63 - 1, "small": -(2**63), "yes": True, "no": False, "none": None}
EVENTS = [
    {"_id": "micro", "_timestamp": "2014-01-01T10:11:12.345678Z", **VALUES,
     "_start_at": "2014-01-01T00:00:00.5Z", "_end_at": "2014-01-02T00:00:00Z"},
    {"_id": "whole", "_timestamp": "2014-01-01T10:11:12Z", "n": 1},
    {"_id": "epoch", "_timestamp": "1970-01-01T00:00:00Z"},
    {"_id": "just-before-1970", "_timestamp": "1969-12-31T23:59:59.999999Z"},
    # SQLite's calendar gives this day another date than Python's: the store must not use it.
    {"_id": "year-300", "_timestamp": "0300-03-01T08:00:00Z"},
    {"_id": "first", "_timestamp": "0001-01-01T00:00:00Z"},
    {"_id": "last", "_timestamp": "9999-12-31T23:59:59.999999Z"},
    {"_id": "zone", "_timestamp": "2014-06-01T01:30:00.000001+01:00", "n": 2},
]
QUERIES = [
    Query(),
    Query(sort_by=SortBy("n", True), limit=3),
    Query(start_at=at("1969-01-01T00:00:00Z"), end_at=at("2014-06-01T00:30:00.000001Z"),
          end_inclusive=True),
    Query(filters=(Filter("n", (1, 2)),)),
    Query(limit=0),
]


@pytest.fixture
def mixed(store):
    events(store, "mixed", EVENTS)
    return store


@pytest.mark.parametrize("query", QUERIES, ids=["all", "sorted", "window", "filtered", "none"])
def test_raw_json_is_record_text_of_raw(mixed, query):
    records = mixed.raw("mixed", query)

    assert mixed.raw_json("mixed", query) == [record_text(record) for record in records]


def precision(store, moment):
    """BSON dates keep milliseconds (docs/stores.md); the SQLite store keeps microseconds."""
    if type(store).__name__ == "MongoStore":
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return moment


def test_raw_json_shows_timestamp_first_and_datetimes_in_iso(mixed):
    texts = mixed.raw_json("mixed", Query())

    shown = [json.loads(text) for text in texts]
    assert [list(record)[0] for record in shown] == ["_timestamp"] * len(EVENTS)
    by_id = {record["_id"]: record for record in shown}
    for sent in EVENTS:
        moment = datetime.fromisoformat(sent["_timestamp"]).astimezone(UTC)
        assert by_id[sent["_id"]]["_timestamp"] == precision(mixed, moment).isoformat()
    micro = by_id["micro"]
    assert micro["_start_at"] == "2014-01-01T00:00:00.500000+00:00"
    assert {key: micro[key] for key in VALUES} == VALUES
    assert by_id["zone"]["_timestamp"].endswith("+00:00")


def test_raw_json_of_records_without_timestamp(store):
    custom(store, "things", [{"_id": "t", "_timestamp": "2014-01-01T00:00:00Z", "a": 1},
                             {"_id": "none", "a": "x", "_end_at": "2014-01-01T00:00:00Z"}])

    texts = store.raw_json("things", Query())

    assert texts == [record_text(record) for record in store.raw("things", Query())]
    assert json.loads(texts[0]) == {"_id": "none", "a": "x", "_end_at": "2014-01-01T00:00:00+00:00"}
    assert ids(map(json.loads, texts)) == ["none", "t"]


def test_raw_json_of_an_empty_bucket(store):
    events(store, "empty", [])

    assert store.raw_json("empty", Query()) == []


def test_raw_json_of_an_unknown_bucket_is_bucket_not_found(store):
    with pytest.raises(BucketNotFound):
        store.raw_json("nosuch", Query())
