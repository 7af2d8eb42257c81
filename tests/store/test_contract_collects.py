"""Store contract: percentiles (``p1`` … ``p99``, median is ``p50``) and ``distinct``.

Percentiles follow PostgreSQL's ``percentile_cont``: linear interpolation
between the closest ranks, over the numbers of a group.
"""
import pytest

from backdrop.store.errors import NonNumericCollect

from .helpers import Collect, Query, at, events, rows


def numbers(store, name, values, **extra):
    events(store, name, [
        {"_timestamp": "2024-01-01T10:00:00Z", "v": value, **extra} for value in values])


def collect_over(store, name, *collects, **query):
    groups = store.aggregate(name, Query(collect=collects, **query))
    return rows(groups, *collects)


def test_p95_of_1_to_100_is_95_05(store):
    numbers(store, "hundred", range(1, 101), g="a")
    assert collect_over(store, "hundred", Collect("v", "p95"), group_by=("g",)) == [
        (("a",), None, 100, 95.05)]


def test_an_even_group_interpolates_its_median_and_an_odd_one_takes_the_middle(store):
    events(store, "sizes", [
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "even", "v": value} for value in (4, 1, 3, 2)
    ] + [
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "odd", "v": value} for value in (9, 1.5, 7)
    ])
    assert collect_over(store, "sizes", Collect("v", "p50"), Collect("v", "p1"),
                        Collect("v", "p99"), group_by=("g",)) == [
        (("even",), None, 4, 2.5, 1.03, 3.9699999999999998),
        (("odd",), None, 3, 7.0, 1.61, 8.96),
    ]


def test_percentiles_ignore_null_and_missing_values_and_are_null_without_numbers(store):
    events(store, "gaps", [
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "a", "v": 10},
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "a", "v": None},
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "a"},
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "a", "v": 20},
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "b", "v": None},
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "c"},
    ])
    assert collect_over(store, "gaps", Collect("v", "p50"), Collect("v", "p25"),
                        group_by=("g",)) == [
        (("a",), None, 4, 15.0, 12.5),
        (("b",), None, 1, None, None),
        (("c",), None, 1, None, None),
    ]


def test_a_one_value_group_is_that_value_as_a_float(store):
    numbers(store, "one", [7], g="a")
    assert collect_over(store, "one", Collect("v", "p90"), group_by=("g",)) == [
        (("a",), None, 1, 7.0)]


def test_percentiles_per_period(store):
    events(store, "daily", [
        {"_timestamp": "2024-01-01T10:00:00Z", "v": 1},
        {"_timestamp": "2024-01-01T11:00:00Z", "v": 2},
        {"_timestamp": "2024-01-02T10:00:00Z", "v": 10},
    ])
    assert collect_over(
        store, "daily", Collect("v", "p50"), period="day",
        start_at=at("2024-01-01T00:00:00Z"), end_at=at("2024-01-03T00:00:00Z"),
    ) == [((), at("2024-01-01T00:00:00Z"), 2, 1.5), ((), at("2024-01-02T00:00:00Z"), 1, 10.0)]


@pytest.mark.parametrize("value", ["fast", True])
def test_a_percentile_of_a_non_number_is_refused(store, value):
    numbers(store, "mixed", [1, value, 3], g="a")
    with pytest.raises(NonNumericCollect):
        store.aggregate("mixed", Query(group_by=("g",), collect=(Collect("v", "p50"),)))


def test_distinct_counts_1_and_1_0_once_and_true_apart(store):
    events(store, "kinds", [
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "a", "v": value}
        for value in (1, 1.0, True, "1", 2.5, 2.5, False, 0, None)
    ] + [{"_timestamp": "2024-01-01T10:00:00Z", "g": "b"},
         {"_timestamp": "2024-01-01T10:00:00Z", "g": "b", "v": None}])
    # 1 (= 1.0), true, "1", 2.5, false, 0
    assert collect_over(store, "kinds", Collect("v", "distinct"), group_by=("g",)) == [
        (("a",), None, 9, 6), (("b",), None, 2, 0)]


def test_distinct_of_a_field_no_record_has_is_zero(store):
    numbers(store, "plain", [1, 2], g="a")
    groups = store.aggregate("plain", Query(group_by=("g",), collect=(Collect("w", "distinct"),)))
    assert rows(groups, Collect("w", "distinct")) == [(("a",), None, 2, 0)]
    assert type(groups[0].values[Collect("w", "distinct")]) is int


def test_groups_sort_by_distinct(store):
    events(store, "shops", [
        {"_timestamp": "2024-01-01T10:00:00Z", "shop": shop, "item": item}
        for shop, item in [("a", "pen"), ("a", "ink"), ("a", "pen"), ("b", "pen"),
                           ("c", "pen"), ("c", "ink"), ("c", "pad")]
    ])
    from .helpers import SortBy

    collect = Collect("item", "distinct")
    groups = store.aggregate("shops", Query(group_by=("shop",), collect=(collect,),
                                            sort_by=SortBy("item:distinct", True), limit=2))
    assert rows(groups, collect) == [(("c",), None, 3, 3), (("a",), None, 3, 2)]


def test_percentiles_and_distinct_per_group_and_period_without_a_window(store):
    """One statement over every period (no window to slice by) ranks within each group and period."""
    events(store, "spread", [
        {"_timestamp": "2024-01-01T10:00:00Z", "g": "a", "v": 1},
        {"_timestamp": "2024-01-01T11:00:00Z", "g": "a", "v": 4},
        {"_timestamp": "2024-01-01T12:00:00Z", "g": "b", "v": 100},
        {"_timestamp": "2024-01-02T10:00:00Z", "g": "a", "v": 8},
        {"_timestamp": "2024-01-02T10:00:00Z", "g": "a", "v": 8.0},
        {"_timestamp": "2024-01-02T11:00:00Z", "g": "a", "v": 2},
    ])
    assert collect_over(store, "spread", Collect("v", "p50"), Collect("v", "p75"),
                        Collect("v", "distinct"), group_by=("g",), period="day") == [
        (("a",), at("2024-01-01T00:00:00Z"), 2, 2.5, 3.25, 2),
        (("a",), at("2024-01-02T00:00:00Z"), 3, 8.0, 8.0, 2),
        (("b",), at("2024-01-01T00:00:00Z"), 1, 100.0, 100.0, 1),
    ]
