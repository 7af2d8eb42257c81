"""Merging two parts' groups (``backdrop.mirror.appended``): the cases that make it hard."""
from datetime import UTC, datetime

import pytest

from backdrop.mirror.appended import CannotMerge, mergeable, merged_bounds, merged_groups
from backdrop.query import Collect, Group, Query, SortBy

SUM, MIN, MAX, SET, COUNT = (Collect("n", p) for p in ("sum", "min", "max", "set", "count"))
QUERY = Query(group_by=("k",), collect=(SUM, MIN, MAX, SET, COUNT))
MONDAY = datetime(2024, 1, 1, tzinfo=UTC)


def group(key, count=1, n=None, low=None, high=None, members=(), counted=0, period=None):
    return Group((key,), period, count, {SUM: n, MIN: low, MAX: high, SET: list(members),
                                         COUNT: counted})


def test_counts_add_and_the_integer_labels_a_group_either_part_held_one():
    [merged] = merged_groups(QUERY, [group(1.0, 2, counted=1)], [group(1, 3, counted=2)])
    assert repr(merged.keys) == "(1,)" and (merged.count, merged.values[COUNT]) == (5, 3)
    [merged] = merged_groups(QUERY, [group(1)], [group(1.0)])
    assert repr(merged.keys) == "(1,)"


def test_true_is_not_one():
    merged = merged_groups(QUERY, [group(1)], [group(True)])
    assert [g.keys for g in merged] == [(1,), (True,)] and [type(g.keys[0]) for g in merged] == [
        int, bool]


def test_integer_sums_stay_exact_and_become_a_float_past_64_bits():
    [merged] = merged_groups(QUERY, [group("a", n=2**62)], [group("a", n=2**62 - 1)])
    assert repr(merged.values[SUM]) == repr(2**63 - 1)
    [merged] = merged_groups(QUERY, [group("a", n=2**62)], [group("a", n=2**62)])
    assert repr(merged.values[SUM]) == repr(float(2**63))
    [merged] = merged_groups(QUERY, [group("a", n=None)], [group("a", n=-4)])
    assert merged.values[SUM] == -4


def test_a_float_sum_does_not_merge():
    with pytest.raises(CannotMerge):
        merged_groups(QUERY, [group("a", n=0.5)], [group("a", n=1)])


def test_extremes_follow_the_one_value_order_and_an_integer_wins_a_tie():
    [merged] = merged_groups(QUERY, [group("a", low="x", high=True)], [group("a", low=3, high="z")])
    assert (merged.values[MIN], merged.values[MAX]) == (3, True)
    [merged] = merged_groups(QUERY, [group("a", low=2.0, high=5.0)], [group("a", low=2, high=5)])
    assert repr((merged.values[MIN], merged.values[MAX])) == "(2, 5)"
    [merged] = merged_groups(QUERY, [group("a", low=None)], [group("a", low=7)])
    assert merged.values[MIN] == 7


def test_sets_join_in_order_with_the_integer_for_an_equal_float():
    [merged] = merged_groups(QUERY, [group("a", members=[1.0, "b", True])],
                             [group("a", members=[1, "a", False])])
    assert repr(merged.values[SET]) == "[1, 'a', 'b', False, True]"


def test_groups_come_in_key_then_period_order():
    query = Query(group_by=("k",), period="week")
    later = datetime(2024, 1, 8, tzinfo=UTC)
    merged = merged_groups(query, [group("b", period=MONDAY), group(2, period=later)],
                           [group(2, period=MONDAY), group("a", period=later)])
    assert [(g.keys, g.period_start) for g in merged] == [
        ((2,), MONDAY), ((2,), later), (("a",), later), (("b",), MONDAY)]


def test_what_does_not_merge_is_not_offered():
    columns = {"n": {"int": "c0_i"}, "f": {"float": "c1_f"}}
    assert mergeable(QUERY, columns)
    assert not mergeable(Query(group_by=("k",), collect=(Collect("f", "sum"),)), columns)
    for primitive in ("mean", "median", "p95", "distinct"):
        assert not mergeable(Query(group_by=("k",), collect=(Collect("n", primitive),)), columns)
    assert not mergeable(Query(group_by=("k",), limit=3), columns)
    assert not mergeable(Query(group_by=("k",), sort_by=SortBy("_count")), columns)
    assert mergeable(Query(period="week", limit=3, sort_by=SortBy("_count")), columns)
    assert not mergeable(Query(period="week", timezone="Europe/London"), columns)


def test_time_bounds_merge():
    later = datetime(2024, 2, 1, tzinfo=UTC)
    assert merged_bounds(Query(), (MONDAY, MONDAY), (later, later)) == (MONDAY, later)
    assert merged_bounds(Query(), (None, None), (later, later)) == (later, later)
    assert merged_bounds(Query(), (None, None), (None, None)) == (None, None)


def test_kept_answers_are_told_apart_by_value_type_and_bounded_by_groups():
    from backdrop.mirror.appended import AnswerBases
    from backdrop.query import Filter

    bases = AnswerBases(max_groups=8)
    one, true = (AnswerBases.key("b", Query(filters=(Filter("k", (v,)),))) for v in (1, True))
    assert Query(filters=(Filter("k", (1,)),)) == Query(filters=(Filter("k", (True,)),))
    assert one != true
    bases.keep(one, "p1", [group(1)] * 2)
    assert bases.get(true) is None and bases.get(one) == ("p1", [group(1)] * 2)
    bases.keep(true, "p2", [group(True)] * 2)
    bases.keep(("b", "big"), "p3", [group(2)] * 3)  # more than a quarter: not kept
    assert bases.get(("b", "big")) is None
    for name in "cde":
        bases.keep(("b", name), "p", [group(3)] * 2)
    assert bases.get(one) is None, "the least recently used goes first"
    assert [bases.get(("b", name)) is not None for name in "cde"] == [True] * 3
