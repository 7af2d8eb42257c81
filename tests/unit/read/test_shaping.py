"""Response shapes built from store rows (SPEC 3.3)."""
from datetime import UTC, datetime

from backdrop.plugins import Registry, make_plugin_manager
from backdrop.query import Collect, Group, SortBy
from backdrop.read import shaping
from backdrop.read.params import CollectSpec

COLLECTORS = Registry(make_plugin_manager(load_entry_points=False)).collectors


def at(*parts):
    return datetime(*parts, tzinfo=UTC)


def collected(*specs):
    return shaping.Collected(specs, [Collect(s.field, s.method) for s in specs], COLLECTORS)


def test_raw_rows_show_datetimes_in_utc():
    rows = shaping.raw_rows([{"_timestamp": at(2013, 3, 20, 10), "_id": "a", "n": 1}])
    assert rows == [{"_timestamp": "2013-03-20T10:00:00+00:00", "_id": "a", "n": 1}]


def test_group_rows_name_collected_values():
    values = collected(CollectSpec("v", "sum"), CollectSpec("n", "set", bare=True))
    groups = [Group(("a",), None, 2, {Collect("v", "sum"): 5, Collect("n", "set"): [1, 2]})]
    assert shaping.group_rows(groups, ("k",), values) == [
        {"k": "a", "_count": 2, "v:sum": 5, "n": [1, 2], "n:set": [1, 2]}
    ]


def test_period_rows_are_gap_filled_with_nulls():
    values = collected(CollectSpec("v", "mean"))
    groups = [Group((), at(2013, 3, 18), 3, {Collect("v", "mean"): 1.5})]
    rows = shaping.period_rows(groups, (at(2013, 3, 11), at(2013, 3, 18)), "week", values)
    assert rows == [
        {"_start_at": "2013-03-11T00:00:00+00:00", "_end_at": "2013-03-18T00:00:00+00:00",
         "_count": 0, "v:mean": None},
        {"_start_at": "2013-03-18T00:00:00+00:00", "_end_at": "2013-03-25T00:00:00+00:00",
         "_count": 3, "v:mean": 1.5},
    ]


def test_period_group_rows_nest_and_flatten():
    values = collected()
    totals = [Group(("a",), None, 3), Group(("b",), None, 1)]
    groups = [Group(("a",), at(2013, 1, 1), 2), Group(("a",), at(2013, 3, 1), 1),
              Group(("b",), at(2013, 2, 1), 1)]
    periods = (at(2013, 1, 1), at(2013, 2, 1), at(2013, 3, 1))
    rows = shaping.period_group_rows(totals, groups, periods, "month", ("k",), values)
    assert [(r["k"], r["_count"], r["_group_count"]) for r in rows] == [("a", 3, 2), ("b", 1, 1)]
    assert [v["_count"] for v in rows[0]["values"]] == [2, 0, 1]
    flat = shaping.flatten(rows, ("k",))
    assert len(flat) == 6
    assert flat[1] == {"k": "a", "_start_at": "2013-02-01T00:00:00+00:00",
                       "_end_at": "2013-03-01T00:00:00+00:00", "_count": 0}


def test_sort_rows_is_stable_and_orders_mixed_types():
    rows = [{"k": "b", "n": 1}, {"k": "a", "n": 2}, {"k": "c", "n": 1}, {"k": "d", "n": None}]
    ordered = shaping.sort_rows(rows, SortBy("n", descending=True))
    assert [r["k"] for r in ordered] == ["a", "b", "c", "d"]
    ordered = shaping.sort_rows(rows, SortBy("n"))
    assert [r["k"] for r in ordered] == ["d", "b", "c", "a"]


def test_csv_header_from_keys_in_order_of_appearance():
    text = shaping.csv_text([{"a": 1, "b": True}, {"a": None, "c": [1, "x"]}])
    assert text.splitlines() == ["a,b,c", "1,true,", ',,"[1, ""x""]"']
    assert shaping.csv_text([]) == ""
