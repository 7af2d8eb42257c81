"""``feed_aggregate`` / ``feed_time_bounds``: the store's answer over the rows appended since a
feed position, or None when anything but appends happened (``IChangeFeed``)."""
from datetime import UTC, datetime

import pytest

from backdrop.query import Collect, Filter, Query
from backdrop.store.errors import BucketNotFound
from backdrop.store.sqlite import SQLiteStore
from backdrop.store.sqlite_query import SQLQuery

from .helpers import config, prepare

WEEKLY = Query(period="week", start_at=datetime(2024, 1, 1, tzinfo=UTC),
               end_at=datetime(2024, 2, 5, tzinfo=UTC), collect=(Collect("n", "sum"),))


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore(f"sqlite:///{tmp_path / 'store.db'}")
    store.create_bucket(config("b"))
    yield store
    store.close()


def records(*rows):
    return prepare([{"_timestamp": f"2024-01-{day:02d}T10:00:00Z", "n": n, **extra}
                    for day, n, extra in rows])


def test_only_the_rows_appended_since_are_answered(store):
    store.insert("b", records((1, 1, {}), (9, 2, {})))
    since = store.feed_position("b")
    store.insert("b", records((2, 10, {}), (16, 20, {})))
    position, groups = store.feed_aggregate("b", since, WEEKLY)
    assert position == store.feed_position("b") and position.written == since.written + 2
    assert [(g.period_start.day, g.count, g.values[Collect("n", "sum")]) for g in groups] == [
        (1, 1, 10), (15, 1, 20)]
    assert store.feed_aggregate("b", position, WEEKLY) == (position, [])
    assert store.feed_time_bounds("b", since, Query()) == (position, (
        datetime(2024, 1, 2, 10, tzinfo=UTC), datetime(2024, 1, 16, 10, tzinfo=UTC)))


def test_filters_and_new_keys_apply_to_the_appended_rows(store):
    store.insert("b", records((1, 1, {})))
    since = store.feed_position("b")
    store.insert("b", records((2, 5, {"late": "x"}), (3, 6, {"late": "y"})))
    query = Query(group_by=("late",), filters=(Filter("late", ("x",)),))
    assert [(g.keys, g.count) for g in store.feed_aggregate("b", since, query)[1]] == [(("x",), 1)]


@pytest.mark.parametrize("change", ["upsert", "capped", "delete", "replace_all", "re-create"])
def test_anything_but_appends_answers_none(store, change):
    store.insert("b", prepare([{"_id": "a", "_timestamp": "2024-01-01T00:00:00Z", "n": 1}]))
    since = store.feed_position("b")
    if change == "upsert":
        store.insert("b", prepare([{"_id": "a", "_timestamp": "2024-01-02T00:00:00Z", "n": 2}]))
    elif change == "capped":
        store.insert("b", records((3, 3, {})), capped_size=1)
    elif change == "delete":
        store.delete_records("b", Query(filters=(Filter("n", (1,)),)))
    elif change == "replace_all":
        store.replace_all("b", records((3, 3, {})))
    else:
        store.delete_bucket("b")
        store.create_bucket(config("b"))
        store.insert("b", records((3, 3, {})))
    assert store.feed_aggregate("b", since, WEEKLY) is None
    assert store.feed_time_bounds("b", since, Query()) is None


def test_a_missing_bucket_is_not_found(store):
    since = store.feed_position("b")
    store.delete_bucket("b")
    with pytest.raises(BucketNotFound):
        store.feed_aggregate("b", since, WEEKLY)


def test_the_appended_rows_are_found_by_write_position_not_read_through_the_window(store):
    """A window of a million rows must not be read to answer for a thousand new ones."""
    store.insert("b", records((1, 1, {})))
    table = store.feed_position("b").generation
    sql_query = SQLQuery(table, WEEKLY, lambda key: store._column(table, key), after=7)
    for sql, params in (sql_query.aggregate(), sql_query.time_bounds()):
        plan = " ".join(row[3] for row in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "INTEGER PRIMARY KEY (rowid>?)" in plan, plan
