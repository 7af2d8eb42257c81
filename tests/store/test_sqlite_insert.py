"""The SQLite store's insert: a plain INSERT first, an upsert only for a batch that replaces.

What the change feed sees must be the same either way: new rows at new write
positions, and every replaced row logged once as removed.
"""
from datetime import UTC, datetime

import pytest

from backdrop.query import Query
from backdrop.store.sqlite import SQLiteStore

T = datetime(2014, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore(f"sqlite:///{tmp_path}/insert.db")
    store.create_bucket({"name": "b", "bucket_type": "custom"})
    yield store
    store.close()


def _records(*ids, **fields):
    return [{"_id": record_id, "_timestamp": T, **fields} for record_id in ids]


def _removed_since(store, position):
    with store.feed_changes("b", position) as changes:
        assert not changes.reset
        return sorted(changes.removed), changes.position


def test_new_ids_are_inserted_with_nothing_removed(store):
    start = store.feed_position("b")
    assert store.insert("b", _records("a", "b", "c", n=1)) == 3
    removed, position = _removed_since(store, start)
    assert removed == [] and position.written == 3


def test_a_batch_replacing_some_ids_logs_exactly_the_replaced_rows(store):
    store.insert("b", _records("a", "b", "c", n=1))  # write positions 1, 2, 3
    start = store.feed_position("b")
    store.insert("b", _records("x", "b", "y", "c", n=2))  # b and c are replaced
    removed, position = _removed_since(store, start)
    assert removed == [2, 3]
    assert position.written == 7
    assert store.count("b") == 5
    assert sorted((r["_id"], r["n"]) for r in store.raw("b", Query())) == [
        ("a", 1), ("b", 2), ("c", 2), ("x", 2), ("y", 2)]


def test_an_id_twice_in_one_batch_keeps_the_last(store):
    start = store.feed_position("b")
    store.insert("b", [*_records("a", n=1), *_records("a", n=2)])
    removed, position = _removed_since(store, start)
    assert removed == [1] and position.written == 2
    assert [r["n"] for r in store.raw("b", Query())] == [2]
