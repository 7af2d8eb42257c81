"""Store contract: periods of a time zone (``Query.timezone``), daylight saving included.

2024's British Summer Time runs from 31 March 01:00Z to 27 October 01:00Z;
Sydney's summer time ends 7 April 16:00Z (the day is 25 hours) and starts
again 5 October 16:00Z (the next day is 23 hours). Kolkata is +05:30 all year.
"""
from datetime import timedelta

import pytest

from .helpers import Collect, Query, at, events


def every(step_minutes, first, last):
    """A record every ``step_minutes`` from ``first`` to ``last`` inclusive, ``v`` counting up."""
    start, end = at(first), at(last)
    records, moment, value = [], start, 0
    while moment <= end:
        records.append({"_timestamp": moment.isoformat(), "v": value, "g": "x"})
        moment += timedelta(minutes=step_minutes)
        value += 1
    return records


def counts(store, name, zone, period, start, end, **query):
    groups = store.aggregate(name, Query(
        period=period, timezone=zone, start_at=at(start), end_at=at(end), **query))
    return [(group.period_start, group.count) for group in groups]


@pytest.mark.parametrize(("zone", "first", "last", "start", "end", "expected"), [
    # London: 30 March (GMT, 24 h), 31 March (23 h), 1 April (BST, 24 h)
    ("Europe/London", "2024-03-30T00:00:00Z", "2024-04-01T22:00:00Z",
     "2024-03-30T00:00:00Z", "2024-04-01T23:00:00Z",
     [("2024-03-30T00:00:00Z", 24), ("2024-03-31T00:00:00Z", 23), ("2024-03-31T23:00:00Z", 24)]),
    # London: 26 October (BST), 27 October (25 h), 28 October (GMT)
    ("Europe/London", "2024-10-25T23:00:00Z", "2024-10-28T23:00:00Z",
     "2024-10-25T23:00:00Z", "2024-10-29T00:00:00Z",
     [("2024-10-25T23:00:00Z", 24), ("2024-10-26T23:00:00Z", 25), ("2024-10-28T00:00:00Z", 24)]),
    # London in July: a day is 23:00Z-23:00Z
    ("Europe/London", "2024-07-01T00:00:00Z", "2024-07-02T23:00:00Z",
     "2024-06-30T23:00:00Z", "2024-07-02T23:00:00Z",
     [("2024-06-30T23:00:00Z", 23), ("2024-07-01T23:00:00Z", 24)]),
    # Sydney: 7 April runs 00:00+11:00 to 00:00+10:00, 25 hours
    ("Australia/Sydney", "2024-04-05T13:00:00Z", "2024-04-08T13:00:00Z",
     "2024-04-05T13:00:00Z", "2024-04-08T14:00:00Z",
     [("2024-04-05T13:00:00Z", 24), ("2024-04-06T13:00:00Z", 25), ("2024-04-07T14:00:00Z", 24)]),
    # Sydney: 6 October runs 00:00+10:00 to 00:00+11:00, 23 hours
    ("Australia/Sydney", "2024-10-04T14:00:00Z", "2024-10-07T12:00:00Z",
     "2024-10-04T14:00:00Z", "2024-10-07T13:00:00Z",
     [("2024-10-04T14:00:00Z", 24), ("2024-10-05T14:00:00Z", 23), ("2024-10-06T13:00:00Z", 24)]),
])
def test_days_across_the_2024_clock_changes(store, zone, first, last, start, end, expected):
    events(store, "hourly", every(60, first, last))
    assert counts(store, "hourly", zone, "day", start, end) == [
        (at(moment), count) for moment, count in expected]


def test_london_hours_on_the_day_the_clocks_go_back(store):
    events(store, "halves", every(30, "2024-10-26T23:00:00Z", "2024-10-27T23:30:00Z"))
    found = counts(store, "halves", "Europe/London", "hour",
                   "2024-10-26T23:00:00Z", "2024-10-28T00:00:00Z")
    # 25 local hours, 01:00-02:00 twice (BST, then GMT), each with its two records
    assert found == [(at("2024-10-26T23:00:00Z") + timedelta(hours=n), 2) for n in range(25)]


def test_kolkata_hours_start_at_half_past_utc(store):
    events(store, "quarters", every(15, "2024-01-01T00:00:00Z", "2024-01-01T02:45:00Z"))
    found = counts(store, "quarters", "Asia/Kolkata", "hour",
                   "2023-12-31T23:30:00Z", "2024-01-01T03:30:00Z")
    assert found == [(at("2023-12-31T23:30:00Z"), 2), (at("2024-01-01T00:30:00Z"), 4),
                     (at("2024-01-01T01:30:00Z"), 4), (at("2024-01-01T02:30:00Z"), 2)]


@pytest.mark.parametrize(("period", "start", "end", "expected"), [
    # Monday 25 March 00:00 GMT: 167 hours, the clocks go forward; then Monday 1 April 00:00 BST.
    ("week", "2024-03-25T00:00:00Z", "2024-04-07T23:00:00Z",
     [("2024-03-25T00:00:00Z", 167), ("2024-03-31T23:00:00Z", 168)]),
    # March (GMT, then BST), April and May (BST)
    ("month", "2024-03-01T00:00:00Z", "2024-05-31T23:00:00Z",
     [("2024-03-01T00:00:00Z", 7 * 24 - 1), ("2024-03-31T23:00:00Z", 30 * 24),
      ("2024-04-30T23:00:00Z", 31 * 24)]),
    ("quarter", "2024-03-31T23:00:00Z", "2024-06-30T23:00:00Z",
     [("2024-03-31T23:00:00Z", 30 * 24 + 31 * 24)]),
])
def test_london_weeks_months_and_quarters(store, period, start, end, expected):
    # Hourly records from Monday 25 March 00:00Z to 31 May 22:00Z (1 June 00:00 BST is 23:00Z).
    events(store, "long", every(60, "2024-03-25T00:00:00Z", "2024-05-31T22:00:00Z"))
    assert counts(store, "long", "Europe/London", period, start, end) == [
        (at(moment), count) for moment, count in expected]


def test_local_periods_with_group_keys_and_collects(store):
    events(store, "grouped", [
        {"_timestamp": "2024-07-01T22:30:00Z", "g": "a", "v": 1},   # 1 July, London
        {"_timestamp": "2024-07-01T23:30:00Z", "g": "a", "v": 5},   # 2 July, London
        {"_timestamp": "2024-07-01T23:45:00Z", "g": "a", "v": 7},
        {"_timestamp": "2024-07-01T23:45:00Z", "g": "b", "v": 2},
    ])
    collects = (Collect("v", "sum"), Collect("v", "p50"), Collect("v", "distinct"))
    groups = store.aggregate("grouped", Query(
        period="day", timezone="Europe/London", group_by=("g",), collect=collects,
        start_at=at("2024-06-30T23:00:00Z"), end_at=at("2024-07-02T23:00:00Z")))
    assert [(g.keys, g.period_start, g.count, *(g.values[c] for c in collects))
            for g in groups] == [
        (("a",), at("2024-06-30T23:00:00Z"), 1, 1, 1.0, 1),
        (("a",), at("2024-07-01T23:00:00Z"), 2, 12, 6.0, 2),
        (("b",), at("2024-07-01T23:00:00Z"), 1, 2, 2.0, 1),
    ]
