"""Store contract: an aggregate answer never shows ``-0.0`` (docs/mirror.md, "Same answers").

``-0.0`` equals ``0.0``, so an engine that groups, ranks or collects both
keeps whichever it met first: the sign of a label, a minimum or a set member
would depend on the order of the records and on the engine. Every engine
answers ``0.0`` instead; raw records keep what was posted.

Each bucket is written in two inserts, so the ``mirror-merging`` backend
answers from a part the mirror holds merged with the part appended since.
Answers are compared by ``repr``: ``-0.0 == 0.0`` in Python.
"""
import pytest

from .helpers import Collect, Filter, Query, at, config, prepare, rows

DAY = "2024-01-01T10:00:00Z"
ORDERS = {"negative-first": (-0.0, 0.0), "positive-first": (0.0, -0.0),
          "negative-only": (-0.0, -0.0)}


@pytest.fixture(params=list(ORDERS.values()), ids=list(ORDERS))
def zeros(request):
    return request.param


def write(store, name, records):
    """An events bucket holding ``records``: the first in one insert, the rest in a second."""
    store.create_bucket(config(name))
    store.insert(name, prepare(records[:1]))
    store.insert(name, prepare(records[1:]))


def answer(store, name, *collects, **query):
    return repr(rows(store.aggregate(name, Query(collect=collects, **query)), *collects))


def test_a_group_holding_both_zeros_is_labelled_positive_zero(store, zeros):
    write(store, "labels", [{"_timestamp": DAY, "k": value} for value in zeros])

    assert answer(store, "labels", group_by=("k",)) == repr([((0.0,), None, 2)])


def test_a_group_and_period_holding_both_zeros_is_labelled_positive_zero(store, zeros):
    write(store, "daily", [{"_timestamp": DAY, "k": value, "v": value} for value in zeros])

    assert answer(store, "daily", Collect("v", "min"), group_by=("k",), period="day",
                  start_at=at("2024-01-01T00:00:00Z"), end_at=at("2024-01-02T00:00:00Z")) == repr(
        [((0.0,), at("2024-01-01T00:00:00Z"), 2, 0.0)])


def test_a_zero_minimum_maximum_or_set_member_is_positive(store, zeros):
    write(store, "extremes", [
        *({"_timestamp": DAY, "g": "both", "v": value} for value in zeros),
        *({"_timestamp": DAY, "g": "low", "v": value} for value in (*zeros, 1.5)),
        *({"_timestamp": DAY, "g": "high", "v": value} for value in (-1.5, *zeros)),
    ])

    assert answer(store, "extremes", Collect("v", "min"), Collect("v", "max"),
                  Collect("v", "set"), group_by=("g",)) == repr([
        (("both",), None, 2, 0.0, 0.0, [0.0]),
        (("high",), None, 3, -1.5, 0.0, [-1.5, 0.0]),
        (("low",), None, 3, 0.0, 1.5, [0.0, 1.5]),
    ])


def test_a_zero_sum_or_mean_is_positive_even_when_the_mean_underflows(store, zeros):
    write(store, "sums", [
        *({"_timestamp": DAY, "g": "both", "v": value} for value in zeros),
        # -5e-324 / 3 rounds to -0.0 in every engine's float division.
        *({"_timestamp": DAY, "g": "tiny", "v": value} for value in (-5e-324, *zeros)),
    ])

    assert answer(store, "sums", Collect("v", "sum"), Collect("v", "mean"),
                  group_by=("g",)) == repr([
        (("both",), None, 2, 0.0, 0.0),
        (("tiny",), None, 3, -5e-324, 0.0),
    ])


def test_a_zero_median_or_percentile_is_positive(store, zeros):
    write(store, "ranks", [
        *({"_timestamp": DAY, "g": "alone", "v": value} for value in zeros[:1]),
        *({"_timestamp": DAY, "g": "both", "v": value} for value in zeros),
        *({"_timestamp": DAY, "g": "odd", "v": value} for value in (*zeros, -0.0)),
    ])

    assert answer(store, "ranks", Collect("v", "p50"), Collect("v", "p1"), Collect("v", "p99"),
                  group_by=("g",)) == repr([
        (("alone",), None, 1, 0.0, 0.0, 0.0),
        (("both",), None, 2, 0.0, 0.0, 0.0),
        (("odd",), None, 3, 0.0, 0.0, 0.0),
    ])


def test_zeros_of_either_sign_are_one_distinct_value_and_count_apart(store, zeros):
    write(store, "counts", [{"_timestamp": DAY, "g": "a", "v": value} for value in zeros])

    assert answer(store, "counts", Collect("v", "distinct"), Collect("v", "count"),
                  group_by=("g",)) == repr([(("a",), None, 2, 1, 2)])


@pytest.mark.parametrize("zero", [0, 0.0, -0.0], ids=["int", "positive", "negative"])
def test_a_filter_by_any_zero_matches_every_zero_and_raw_keeps_the_sign(store, zero):
    write(store, "filtered", [{"_timestamp": DAY, "g": "a", "k": value}
                              for value in (0, 0.0, -0.0, 1, False, "0")])
    query = Query(filters=(Filter("k", (zero,)),))

    assert [repr(record["k"]) for record in store.raw("filtered", query)] == ["0", "0.0", "-0.0"]
    assert store.count("filtered", query) == 3
    assert answer(store, "filtered", group_by=("g",), filters=query.filters) == repr(
        [(("a",), None, 3)])
