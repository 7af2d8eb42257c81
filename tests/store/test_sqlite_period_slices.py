"""SQLite runs period queries one statement per period; the answer must not change."""
from datetime import timedelta

import pytest

from backdrop.store import sqlite as sqlite_store

from .helpers import Collect, Query, at, events


@pytest.fixture
def sqlite(tmp_path):
    store = sqlite_store.SQLiteStore(f"sqlite:///{tmp_path}/slices.db")
    records = []
    moment = at("2024-01-01T00:00:00Z")
    for n in range(400):
        moment += timedelta(hours=7, minutes=n % 50)
        records.append({"_timestamp": moment.isoformat(), "k": "ab"[n % 2], "v": n})
    events(store, "e", records)
    yield store
    store.close()


WINDOWS = [
    ("2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", False),
    ("2024-01-03T05:00:00Z", "2024-02-10T13:30:00Z", False),
    ("2024-01-08T00:00:00Z", "2024-02-05T00:00:00Z", True),
    ("2024-01-10T07:00:00Z", "2024-01-10T07:00:00Z", True),
]


@pytest.mark.parametrize("period", ["hour", "day", "week", "month", "quarter"])
@pytest.mark.parametrize("start, end, inclusive", WINDOWS)
@pytest.mark.parametrize("group_by", [(), ("k",)])
def test_per_period_statements_answer_like_one_group_by(sqlite, monkeypatch, period, start, end,
                                                        inclusive, group_by):
    query = Query(start_at=at(start), end_at=at(end), end_inclusive=inclusive, period=period,
                  group_by=group_by, collect=(Collect("v", "sum"), Collect("v", "set")))
    sliced = sqlite.aggregate("e", query)
    monkeypatch.setattr(sqlite_store, "MAX_PERIOD_STATEMENTS", 0)
    whole = sqlite.aggregate("e", query)
    assert sliced == whole
    assert sum(group.count for group in whole) > 0 or start == end
