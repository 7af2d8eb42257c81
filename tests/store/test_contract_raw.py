"""Store contract: raw queries (window, filters, prefixes, sort, limit)."""
import pytest

from .helpers import Filter, PrefixFilter, Query, SortBy, at, custom, events, ids

DAYS = [
    {"_id": "d1", "_timestamp": "2014-01-01T00:00:00Z", "kind": "a", "n": 3},
    {"_id": "d2", "_timestamp": "2014-01-02T00:00:00Z", "kind": "b", "n": 1},
    {"_id": "d3", "_timestamp": "2014-01-03T00:00:00Z", "kind": "a", "n": 2},
    {"_id": "d4", "_timestamp": "2014-01-04T00:00:00Z", "kind": "b", "n": 1},
]


@pytest.fixture
def days(store):
    events(store, "days", DAYS)
    return store


def raw_ids(store, bucket="days", **query):
    return ids(store.raw(bucket, Query(**query)))


def test_default_order_is_time_then_write_order(store):
    events(store, "visits", [{"_id": "late", "_timestamp": "2014-01-02T00:00:00Z"},
                             {"_id": "early", "_timestamp": "2014-01-01T00:00:00Z"},
                             {"_id": "late2", "_timestamp": "2014-01-02T00:00:00Z"}])
    store.insert("visits", [{"_id": "late0", "_timestamp": at("2014-01-02T00:00:00Z")}])

    assert raw_ids(store, "visits") == ["early", "late", "late2", "late0"]


def test_records_without_timestamp_sort_first(store):
    custom(store, "things", [{"_id": "t", "_timestamp": "2014-01-01T00:00:00Z"},
                             {"_id": "none1"}, {"_id": "none2"}])

    assert raw_ids(store, "things") == ["none1", "none2", "t"]


def test_window_is_start_inclusive_end_exclusive(days):
    assert raw_ids(days, start_at=at("2014-01-02T00:00:00Z"),
                   end_at=at("2014-01-04T00:00:00Z")) == ["d2", "d3"]


def test_inclusive_end(days):
    assert raw_ids(days, start_at=at("2014-01-02T00:00:00Z"), end_at=at("2014-01-04T00:00:00Z"),
                   end_inclusive=True) == ["d2", "d3", "d4"]


def test_open_ended_windows(days):
    assert raw_ids(days, start_at=at("2014-01-03T00:00:00Z")) == ["d3", "d4"]
    assert raw_ids(days, end_at=at("2014-01-02T00:00:00Z")) == ["d1"]


def test_a_window_leaves_out_records_without_timestamp(store):
    custom(store, "things", [{"_id": "t", "_timestamp": "2014-01-01T00:00:00Z"}, {"_id": "none"}])

    assert raw_ids(store, "things", start_at=at("2000-01-01T00:00:00Z")) == ["t"]


def test_filter_matches_any_of_its_values(days):
    assert raw_ids(days, filters=(Filter("kind", ("a",)),)) == ["d1", "d3"]
    assert raw_ids(days, filters=(Filter("n", (3, 2)),)) == ["d1", "d3"]
    assert raw_ids(days, filters=(Filter("kind", ("c",)),)) == []
    assert raw_ids(days, filters=(Filter("missing", ("a",)),)) == []


def test_filters_are_anded(days):
    assert raw_ids(days, filters=(Filter("kind", ("b",)), Filter("n", (1,)))) == ["d2", "d4"]
    assert raw_ids(days, filters=(Filter("kind", ("a",)), Filter("n", (1,)))) == []


def test_filters_combine_with_the_window(days):
    assert raw_ids(days, filters=(Filter("kind", ("a",)),),
                   start_at=at("2014-01-02T00:00:00Z")) == ["d3"]


@pytest.fixture
def typed(store):
    custom(store, "typed", [
        {"_id": "true", "v": True}, {"_id": "false", "v": False},
        {"_id": "one", "v": 1}, {"_id": "zero", "v": 0}, {"_id": "one_float", "v": 1.0},
        {"_id": "text_one", "v": "1"}, {"_id": "text_true", "v": "true"},
        {"_id": "null", "v": None}, {"_id": "missing"},
    ])
    return store


@pytest.mark.parametrize("values, expected", [
    ((True,), ["true"]),
    ((False,), ["false"]),
    ((1,), ["one", "one_float"]),
    ((0,), ["zero"]),
    ((1.0,), ["one", "one_float"]),
    (("1",), ["text_one"]),
    (("true",), ["text_true"]),
    (("1", 1), ["one", "one_float", "text_one"]),
    (("true", True), ["text_true", "true"]),
])
def test_booleans_numbers_and_strings_never_match_each_other(typed, values, expected):
    assert sorted(raw_ids(typed, "typed", filters=(Filter("v", values),))) == expected


def test_filter_by_id(days):
    assert raw_ids(days, filters=(Filter("_id", ("d3", "d1", "nope")),)) == ["d1", "d3"]


def test_filter_by_timestamp(days):
    assert raw_ids(days, filters=(Filter("_timestamp", (at("2014-01-02T00:00:00Z"),)),)) == ["d2"]


@pytest.fixture
def names(store):
    custom(store, "names", [
        {"_id": "percent", "s": "50% off"}, {"_id": "fifty", "s": "500 off"},
        {"_id": "under", "s": "a_b"}, {"_id": "axb", "s": "axb"},
        {"_id": "dot", "s": "a.b"}, {"_id": "star", "s": "a*b"}, {"_id": "aab", "s": "aab"},
        {"_id": "regex", "s": "(x)[y]^$\\d+?|{1}"}, {"_id": "upper", "s": "Abc"},
        {"_id": "lower", "s": "abc"}, {"_id": "number", "s": 123}, {"_id": "newline", "s": "a\nb"},
    ])
    return store


@pytest.mark.parametrize("prefix, expected", [
    ("50%", ["percent"]),
    ("a_", ["under"]),
    ("a.", ["dot"]),
    ("a*", ["star"]),
    ("(x)[y]^$\\d+?|{", ["regex"]),
    ("ab", ["lower"]),
    ("Ab", ["upper"]),
    ("12", []),
    ("a\n", ["newline"]),
    ("", ["aab", "axb", "dot", "lower", "newline", "percent", "regex", "star", "under", "upper",
          "fifty"]),
])
def test_prefix_filters_are_literal_and_case_sensitive(names, prefix, expected):
    got = raw_ids(names, "names", prefix_filters=(PrefixFilter("s", prefix),))
    assert sorted(got) == sorted(expected)


def test_prefix_and_value_filters_combine(names):
    assert raw_ids(names, "names", prefix_filters=(PrefixFilter("s", "a"),),
                   filters=(Filter("_id", ("dot", "percent")),)) == ["dot"]


def test_sort_ascending_and_descending_ties_keep_time_order(days):
    assert raw_ids(days, sort_by=SortBy("n")) == ["d2", "d4", "d3", "d1"]
    assert raw_ids(days, sort_by=SortBy("n", descending=True)) == ["d1", "d3", "d2", "d4"]
    assert raw_ids(days, sort_by=SortBy("kind", descending=True)) == ["d2", "d4", "d1", "d3"]


def test_sort_by_timestamp_descending(days):
    assert raw_ids(days, sort_by=SortBy("_timestamp", descending=True)) == ["d4", "d3", "d2", "d1"]


def test_sorting_puts_missing_values_first(store):
    custom(store, "things", [{"_id": "two", "v": 2}, {"_id": "none"}, {"_id": "one", "v": 1}])

    assert raw_ids(store, "things", sort_by=SortBy("v")) == ["none", "one", "two"]
    assert raw_ids(store, "things", sort_by=SortBy("v", descending=True)) == ["two", "one", "none"]


def test_limit(days):
    assert raw_ids(days, limit=2) == ["d1", "d2"]
    assert raw_ids(days, limit=2, sort_by=SortBy("_timestamp", descending=True)) == ["d4", "d3"]
    assert raw_ids(days, limit=10) == ["d1", "d2", "d3", "d4"]
    assert raw_ids(days, limit=0) == []


def test_raw_of_an_empty_bucket(store):
    events(store, "empty", [])

    assert raw_ids(store, "empty") == []


def test_prefix_filter_on_id(names):
    ids_with_p = raw_ids(names, "names", prefix_filters=(PrefixFilter("_id", "p"),))
    assert ids_with_p and all(record_id.startswith("p") for record_id in ids_with_p)
    assert raw_ids(names, "names", prefix_filters=(PrefixFilter("_id", "zzz"),)) == []
