"""Store contract: aggregates (group keys, periods, collect primitives, sort, limit), time bounds."""
import pytest

from backdrop.store.errors import NonNumericCollect

from .helpers import (
    Collect,
    Filter,
    PrefixFilter,
    Query,
    SortBy,
    at,
    custom,
    events,
    rows,
)

SALES = [
    {"_timestamp": "2014-01-06T09:00:00Z", "shop": "north", "item": "pen", "price": 2, "qty": 3},
    {"_timestamp": "2014-01-06T10:30:00Z", "shop": "north", "item": "ink", "price": 5, "qty": 1},
    {"_timestamp": "2014-01-07T10:00:00Z", "shop": "south", "item": "pen", "price": 3, "qty": None},
    {"_timestamp": "2014-01-14T10:00:00Z", "shop": "north", "item": "pen", "price": 4, "qty": 2},
    {"_timestamp": "2014-01-15T10:00:00Z", "item": "pad", "price": 1, "qty": 1},
    {"_timestamp": "2014-01-15T11:00:00Z", "shop": None, "item": "pad", "price": 1, "qty": 1},
]


@pytest.fixture
def sales(store):
    events(store, "sales", SALES)
    return store


def aggregate(store, bucket="sales", **query):
    return store.aggregate(bucket, Query(**query))


def test_group_by_one_key_counts_and_sorts_by_key(sales):
    groups = aggregate(sales, group_by=("shop",))

    assert rows(groups) == [(("north",), None, 3), (("south",), None, 1)]
    assert all(type(group.count) is int for group in groups)


def test_group_by_several_keys(sales):
    assert rows(aggregate(sales, group_by=("item", "shop"))) == [
        (("ink", "north"), None, 1),
        (("pen", "north"), None, 2),
        (("pen", "south"), None, 1),
    ]


def test_records_missing_a_group_key_are_left_out(sales):
    pads = aggregate(sales, group_by=("item",), filters=(Filter("item", ("pad",)),))
    assert rows(pads) == [(("pad",), None, 2)]
    assert aggregate(sales, group_by=("item", "shop"), filters=(Filter("item", ("pad",)),)) == []
    assert aggregate(sales, group_by=("nobody_has_this",)) == []


def test_group_keys_keep_their_types(store):
    custom(store, "typed", [{"k": True}, {"k": True}, {"k": 1}, {"k": "1"}, {"k": 2.5}])

    groups = aggregate(store, "typed", group_by=("k",))

    assert rows(groups) == [((1,), None, 1), ((2.5,), None, 1), (("1",), None, 1),
                            ((True,), None, 2)]
    assert [type(group.keys[0]) for group in groups] == [int, float, str, bool]


def test_filters_and_window_apply_to_aggregates(sales):
    assert rows(aggregate(sales, group_by=("shop",), filters=(Filter("item", ("pen",)),),
                          start_at=at("2014-01-07T00:00:00Z"))) == [
        (("north",), None, 1), (("south",), None, 1)]
    assert rows(aggregate(sales, group_by=("item",),
                          prefix_filters=(PrefixFilter("item", "p"),))) == [
        (("pad",), None, 2), (("pen",), None, 3)]


# -- collect primitives -------------------------------------------------------
PRICE_SUM, QTY_SUM = Collect("price", "sum"), Collect("qty", "sum")


def test_sum_of_integers_is_an_integer(sales):
    groups = aggregate(sales, group_by=("shop",), collect=(PRICE_SUM, QTY_SUM))

    assert rows(groups, PRICE_SUM, QTY_SUM) == [
        (("north",), None, 3, 11, 6), (("south",), None, 1, 3, None)]
    assert type(groups[0].values[PRICE_SUM]) is int


def test_sum_of_floats(store):
    custom(store, "floats", [{"k": "a", "v": 1.5}, {"k": "a", "v": 2}, {"k": "a", "v": None}])

    [group] = aggregate(store, "floats", group_by=("k",), collect=(Collect("v", "sum"),))

    assert group.values[Collect("v", "sum")] == pytest.approx(3.5)


def test_count_counts_non_null_values(sales):
    qty = Collect("qty", "count")
    groups = aggregate(sales, group_by=("item",), collect=(qty, Collect("absent", "count")))

    assert rows(groups, qty, Collect("absent", "count")) == [
        (("ink",), None, 1, 1, 0), (("pad",), None, 2, 2, 0), (("pen",), None, 3, 2, 0)]
    assert type(groups[0].values[qty]) is int


def test_set_is_sorted_distinct_and_without_nulls(sales):
    items, qty = Collect("item", "set"), Collect("qty", "set")

    groups = aggregate(sales, group_by=("shop",), collect=(items, qty))

    assert rows(groups, items, qty) == [
        (("north",), None, 3, ["ink", "pen"], [1, 2, 3]),
        (("south",), None, 1, ["pen"], []),
    ]


def test_set_orders_numbers_then_strings_then_booleans(store):
    values = [True, "b", 10, 9, "a", False, 9, 2.5, "b"]
    custom(store, "mixed", [{"k": "a", "v": value} for value in values])

    [group] = aggregate(store, "mixed", group_by=("k",), collect=(Collect("v", "set"),))

    assert group.values[Collect("v", "set")] == [2.5, 9, 10, "a", "b", False, True]


def test_set_keeps_zero_empty_and_false(store):
    custom(store, "falsy", [{"k": "a", "v": 0}, {"k": "a", "v": ""}, {"k": "a", "v": 2},
                            {"k": "b", "v": False}, {"k": "b", "v": False}])

    groups = aggregate(store, "falsy", group_by=("k",), collect=(Collect("v", "set"),))

    assert rows(groups, Collect("v", "set")) == [(("a",), None, 3, [0, 2, ""]),
                                                 (("b",), None, 2, [False])]


def test_mean_min_max(sales):
    collects = (Collect("price", "mean"), Collect("price", "min"), Collect("price", "max"),
                Collect("qty", "mean"), Collect("item", "min"), Collect("item", "max"))

    groups = aggregate(sales, group_by=("shop",), collect=collects)

    assert rows(groups, *collects) == [
        (("north",), None, 3, pytest.approx(11 / 3), 2, 5, pytest.approx(2.0), "ink", "pen"),
        (("south",), None, 1, pytest.approx(3.0), 3, 3, None, "pen", "pen"),
    ]


def test_collects_of_a_field_no_record_has(sales):
    collects = tuple(Collect("absent", primitive)
                     for primitive in ("sum", "count", "set", "mean", "min", "max"))

    [group] = aggregate(sales, group_by=("item",), filters=(Filter("item", ("ink",)),),
                        collect=collects)

    assert [group.values[c] for c in collects] == [None, 0, [], None, None, None]


@pytest.mark.parametrize("primitive", ["sum", "mean"])
@pytest.mark.parametrize("bad", ["text", True, False])
def test_sum_and_mean_of_non_numbers_raise(store, primitive, bad):
    custom(store, "mixed", [{"k": "a", "v": 1}, {"k": "a", "v": bad}])

    with pytest.raises(NonNumericCollect) as raised:
        aggregate(store, "mixed", group_by=("k",), collect=(Collect("v", primitive),))
    assert raised.value.field == "v" and raised.value.primitive == primitive


@pytest.mark.parametrize("limit", [0, 1])
def test_a_limit_does_not_hide_non_numbers(store, limit):
    custom(store, "mixed", [{"k": "a", "v": 1}, {"k": "a", "v": 2}, {"k": "b", "v": "text"}])

    with pytest.raises(NonNumericCollect):
        aggregate(store, "mixed", group_by=("k",), collect=(Collect("v", "sum"),),
                  sort_by=SortBy("_count", descending=True), limit=limit)


def test_non_numbers_outside_the_matched_records_do_not_raise(store):
    custom(store, "mixed", [{"k": "a", "v": 1}, {"k": "b", "v": "text"}, {"v": "text"}])

    groups = aggregate(store, "mixed", group_by=("k",), collect=(Collect("v", "sum"),),
                       filters=(Filter("k", ("a",)),))

    assert rows(groups, Collect("v", "sum")) == [(("a",), None, 1, 1)]


def test_non_numbers_are_fine_for_count_set_min_max(store):
    custom(store, "mixed", [{"k": "a", "v": "x"}, {"k": "a", "v": "y"}])
    collects = tuple(Collect("v", primitive) for primitive in ("count", "set", "min", "max"))

    [group] = aggregate(store, "mixed", group_by=("k",), collect=collects)

    assert [group.values[c] for c in collects] == [2, ["x", "y"], "x", "y"]


# -- sort and limit -------------------------------------------------------------
def test_sort_by_count_descending_with_limit(store):
    custom(store, "votes", [{"who": name} for name in "bbaaccd"] + [{"who": "c"}])

    groups = aggregate(store, "votes", group_by=("who",),
                       sort_by=SortBy("_count", descending=True), limit=3)

    assert rows(groups) == [(("c",), None, 3), (("a",), None, 2), (("b",), None, 2)]


def test_sort_by_count_ascending(store):
    custom(store, "votes", [{"who": name} for name in "bbaaacd"])

    assert [group.keys for group in aggregate(store, "votes", group_by=("who",),
                                              sort_by=SortBy("_count"))] == [
        ("c",), ("d",), ("b",), ("a",)]


def test_sort_by_a_collect_label(sales):
    groups = aggregate(sales, group_by=("item",), collect=(PRICE_SUM,),
                       sort_by=SortBy("price:sum", descending=True))

    assert rows(groups, PRICE_SUM) == [(("pen",), None, 3, 9), (("ink",), None, 1, 5),
                                       (("pad",), None, 2, 2)]


@pytest.mark.parametrize("primitive", ["max", "min", "sum"])
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_values_past_2_to_the_53_is_exact(store, primitive, descending):
    """One DOUBLE stands for 2**62, 2**62 + 1 and 2**62 + 2; the order must still tell them apart."""
    custom(store, "big", [{"k": "a", "v": 2**62 + 1}, {"k": "b", "v": float(2**62)},
                          {"k": "c", "v": 2**62}, {"k": "d", "v": 2**62 + 3},
                          {"k": "e", "v": 2**62 + 2}])
    groups = aggregate(store, "big", group_by=("k",), collect=(Collect("v", primitive),),
                       sort_by=SortBy(f"v:{primitive}", descending=descending))
    ascending = ["b", "c", "a", "e", "d"]  # b's float equals c's integer: key order between them
    expected = ascending if not descending else ["d", "e", "a", "b", "c"]
    assert [group.keys[0] for group in groups] == expected

def test_sort_by_a_group_key_descending(sales):
    groups = aggregate(sales, group_by=("item", "shop"), sort_by=SortBy("shop", descending=True))

    assert [group.keys for group in groups] == [("pen", "south"), ("ink", "north"),
                                                ("pen", "north")]


def test_limit_without_sort_keeps_key_order(sales):
    assert [g.keys for g in aggregate(sales, group_by=("item",), limit=2)] == [("ink",), ("pad",)]
    assert aggregate(sales, group_by=("item",), limit=0) == []


# -- periods -------------------------------------------------------------------
@pytest.mark.parametrize("period, moments, starts", [
    ("hour", ["2014-01-01T10:59:59Z", "2014-01-01T11:00:00Z"],
     ["2014-01-01T10:00:00Z", "2014-01-01T11:00:00Z"]),
    ("day", ["2014-01-01T23:59:59Z", "2014-01-02T00:00:00Z"],
     ["2014-01-01T00:00:00Z", "2014-01-02T00:00:00Z"]),
    ("week", ["2014-01-05T23:59:59Z", "2014-01-06T00:00:00Z"],   # Sunday, Monday
     ["2013-12-30T00:00:00Z", "2014-01-06T00:00:00Z"]),
    ("month", ["2014-02-28T23:59:59Z", "2014-03-01T00:00:00Z"],
     ["2014-02-01T00:00:00Z", "2014-03-01T00:00:00Z"]),
    ("quarter", ["2014-03-31T23:59:59Z", "2014-04-01T00:00:00Z"],
     ["2014-01-01T00:00:00Z", "2014-04-01T00:00:00Z"]),
    ("year", ["2013-12-31T23:59:59Z", "2014-01-01T00:00:00Z"],
     ["2013-01-01T00:00:00Z", "2014-01-01T00:00:00Z"]),
])
def test_periods_split_at_their_true_boundaries(store, period, moments, starts):
    events(store, "moments", [{"_timestamp": moment} for moment in moments + moments[1:]])

    groups = aggregate(store, "moments", period=period)

    assert rows(groups) == [((), at(starts[0]), 1), ((), at(starts[1]), 2)]
    assert groups[0].period_start.utcoffset().total_seconds() == 0


def test_timestamps_with_offsets_group_by_their_utc_period(store):
    events(store, "moments", [{"_timestamp": "2014-01-06T00:30:00+01:00"}])  # Sunday 23:30 UTC

    assert rows(aggregate(store, "moments", period="week")) == [
        ((), at("2013-12-30T00:00:00Z"), 1)]


def test_period_with_collects(sales):
    groups = aggregate(sales, period="week", collect=(PRICE_SUM, Collect("item", "set")))

    assert rows(groups, PRICE_SUM, Collect("item", "set")) == [
        ((), at("2014-01-06T00:00:00Z"), 3, 10, ["ink", "pen"]),
        ((), at("2014-01-13T00:00:00Z"), 3, 6, ["pad", "pen"]),
    ]


def test_period_and_group_order_by_keys_then_period(sales):
    groups = aggregate(sales, period="week", group_by=("shop",), collect=(QTY_SUM,))

    assert rows(groups, QTY_SUM) == [
        (("north",), at("2014-01-06T00:00:00Z"), 2, 4),
        (("north",), at("2014-01-13T00:00:00Z"), 1, 2),
        (("south",), at("2014-01-06T00:00:00Z"), 1, None),
    ]


def test_period_queries_count_only_records_inside_the_window(sales):
    groups = aggregate(sales, period="day", start_at=at("2014-01-06T00:00:00Z"),
                       end_at=at("2014-01-06T10:00:00Z"))

    assert rows(groups) == [((), at("2014-01-06T00:00:00Z"), 1)]


def test_period_aggregates_leave_out_records_without_timestamp(store):
    custom(store, "things", [{"_timestamp": "2014-01-01T00:00:00Z", "k": "a"}, {"k": "a"}])

    assert rows(aggregate(store, "things", period="day")) == [((), at("2014-01-01T00:00:00Z"), 1)]
    assert rows(aggregate(store, "things", group_by=("k",))) == [(("a",), None, 2)]


# -- time bounds ---------------------------------------------------------------
def test_time_bounds(sales):
    assert sales.time_bounds("sales", Query()) == (at("2014-01-06T09:00:00Z"),
                                                   at("2014-01-15T11:00:00Z"))
    assert sales.time_bounds("sales", Query(filters=(Filter("shop", ("north",)),))) == (
        at("2014-01-06T09:00:00Z"), at("2014-01-14T10:00:00Z"))
    assert sales.time_bounds("sales", Query(start_at=at("2014-01-07T00:00:00Z"),
                                            end_at=at("2014-01-15T00:00:00Z"))) == (
        at("2014-01-07T10:00:00Z"), at("2014-01-14T10:00:00Z"))


def test_time_bounds_of_nothing(store):
    custom(store, "things", [{"k": "no timestamp"}])

    assert store.time_bounds("things", Query()) == (None, None)
    assert store.time_bounds("things", Query(filters=(Filter("k", ("other",)),))) == (None, None)


def test_time_bounds_ignore_group_keys(store):
    custom(store, "things", [{"_timestamp": "2014-01-01T00:00:00Z"},
                             {"_timestamp": "2014-01-02T00:00:00Z", "k": "a"}])

    assert store.time_bounds("things", Query(group_by=("k",))) == (
        at("2014-01-01T00:00:00Z"), at("2014-01-02T00:00:00Z"))


def test_integer_sums_past_64_bits_become_floats(store):
    big = 2**62
    custom(store, "huge", [{"k": "a", "n": big}, {"k": "a", "n": big}, {"k": "a", "n": big}])

    [group] = aggregate(store, "huge", group_by=("k",), collect=(Collect("n", "sum"),))

    assert group.values[Collect("n", "sum")] == pytest.approx(3 * big)
    assert isinstance(group.values[Collect("n", "sum")], float)
