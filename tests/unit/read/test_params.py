"""Query-string validation (SPEC 3.2): every bad parameter and combination is a ParamError."""
from datetime import UTC, datetime

import pytest
from webob.multidict import MultiDict

from backdrop.plugins import Registry, make_plugin_manager
from backdrop.query import Filter, PrefixFilter, SortBy
from backdrop.read.params import CollectSpec, ParamError, parse_params

COLLECTORS = Registry(make_plugin_manager(load_entry_points=False)).collectors


def parse(query):
    pairs = [tuple(part.split("=", 1)) for part in query.split("&") if part]
    return parse_params(MultiDict(pairs), COLLECTORS)


def error(query):
    with pytest.raises(ParamError) as raised:
        parse(query)
    return str(raised.value)


def test_no_parameters_is_a_raw_query():
    params = parse("")
    assert not params.is_aggregate
    assert params.format == "json"


def test_datetimes_with_offsets_are_utc():
    params = parse("start_at=2013-03-18T01:00:00+01:00&end_at=2013-03-25T00:00:00Z")
    assert params.start_at == datetime(2013, 3, 18, tzinfo=UTC)
    assert params.end_at == datetime(2013, 3, 25, tzinfo=UTC)


def test_a_plus_that_arrived_as_a_space_is_an_offset():
    params = parse("start_at=2013-03-18T00:00:00 00:00&end_at=2013-03-25T00:00:00 0000")
    assert params.start_at == datetime(2013, 3, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["foo", "2013-03-18", "2013-03-18T00:00:00", "2013-13-01T00:00:00Z"]
)
def test_bad_datetimes(value):
    message = error(f"start_at={value}&end_at=2014-01-01T00:00:00Z")
    assert "start_at is not a valid datetime" in message


def test_unknown_parameter():
    assert error("foo=bar") == "An unrecognised parameter was provided"


@pytest.mark.parametrize("name", ["filter_by", "filter_by_prefix", "group_by", "collect"])
def test_repeatable_parameters_at_most_ten_times(name):
    values = [f"f{n}:x" if name.startswith("filter") else f"f{n}" for n in range(11)]
    query = "&".join(f"{name}={value}" for value in values)
    assert "at most 10 times" in error(query)


def test_ten_repeats_are_fine():
    query = "&".join(f"filter_by=f{n}:x" for n in range(10))
    assert len(parse(query).filters) == 10


def test_single_parameters_only_once():
    assert "only once" in error("limit=1&limit=2")


@pytest.mark.parametrize("value", ["-1", "1.5", "x", ""])
def test_bad_limits(value):
    assert "limit must be a non-negative integer" in error(f"limit={value}")


def test_zero_limit_is_fine():
    assert parse("limit=0").limit == 0


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "x"])
def test_bad_durations(value):
    assert "duration must be a positive integer" in error(f"period=day&duration={value}")


def test_bad_period():
    assert "period must be one of" in error("period=fortnight&duration=2")


@pytest.mark.parametrize("query, message", [
    ("start_at=2013-01-01T00:00:00Z&end_at=2013-02-01T00:00:00Z&duration=3&period=day",
     "start_at, end_at and duration cannot all be given together"),
    ("start_at=2013-01-01T00:00:00Z", "start_at requires end_at or duration"),
    ("end_at=2013-01-01T00:00:00Z", "end_at requires start_at or duration"),
    ("duration=3", "duration requires a period"),
    ("period=day", "period requires either duration or both start_at and end_at"),
    ("period=day&start_at=2013-01-01T00:00:00Z&duration=3&limit=1",
     "limit is not allowed on a period query without group_by"),
    ("period=day&duration=3&sort_by=_count:ascending",
     "sort_by is not allowed on a period query without group_by"),
    ("collect=value:sum", "collect requires group_by or period"),
    ("group_by=value&collect=value:sum", "cannot collect the group_by field value"),
    ("group_by=a&collect=_timestamp:max", "internal field _timestamp cannot be used"),
    ("group_by=a&collect=value:mode", "mode is not a known collect method"),
    ("group_by=a&group_by=a", "each field may be given only once"),
    ("start_at=2013-02-01T00:00:00Z&end_at=2013-01-01T00:00:00Z", "end_at must not be before"),
])
def test_bad_combinations(query, message):
    assert message in error(query)


@pytest.mark.parametrize("param", [
    "filter_by=$where:1", "filter_by_prefix=$where:1", "group_by=$where", "sort_by=$where:ascending",
])
def test_dollar_fields_are_refused(param):
    assert "cannot start with $" in error(param)


@pytest.mark.parametrize("param", ["filter_by=a-b:1", "filter_by=1a:1", "group_by=a.b",
                                   "group_by=a%0A"])
def test_invalid_field_names_are_refused(param):
    assert "not a valid field name" in error(param.replace("%0A", "\n"))


def test_filter_by_needs_a_colon():
    assert "filter_by must be field:value" in error("filter_by=name")


def test_internal_fields_cannot_be_grouped():
    assert "internal field _id cannot be used" in error("group_by=_id")


def test_only_id_and_timestamp_may_be_filtered():
    assert "only _id and _timestamp" in error("filter_by=_updated_at:x")
    assert parse("filter_by=_id:abc").filters == (Filter("_id", ("abc",)),)


def test_timestamp_filter_is_a_datetime():
    params = parse("filter_by=_timestamp:2013-03-18T00:00:00Z")
    assert params.filters == (Filter("_timestamp", (datetime(2013, 3, 18, tzinfo=UTC),)),)
    assert "_timestamp must be an ISO 8601 datetime" in error("filter_by=_timestamp:soon")


@pytest.mark.parametrize("value, candidates", [
    ("true", ("true", True)),
    ("false", ("false", False)),
    ("3", ("3", 3)),
    ("-2.5", ("-2.5", -2.5)),
    ("1e3", ("1e3", 1000)),
    ("t-rex", ("t-rex",)),
    ("", ("",)),
    ("a:b", ("a:b",)),
    ("1_000", ("1_000",)),
    ("nan", ("nan",)),
])
def test_filter_values_match_strings_booleans_and_numbers(value, candidates):
    assert parse(f"filter_by=field:{value}").filters == (Filter("field", candidates),)


def test_prefix_filters_are_literal():
    assert parse("filter_by_prefix=name:a%_").prefix_filters == (PrefixFilter("name", "a%_"),)


def test_collect_forms():
    params = parse("group_by=a&collect=b&collect=c:sum&collect=c:sum")
    assert params.collect == (CollectSpec("b", "set", bare=True), CollectSpec("c", "sum"))
    assert params.collect[0].labels == ("b", "b:set")


def test_sort_by():
    assert parse("sort_by=name:descending").sort_by == SortBy("name", True)
    assert parse("group_by=a&sort_by=_count:ascending").sort_by == SortBy("_count", False)
    params = parse("group_by=a&collect=v:sum&sort_by=v:sum:descending")
    assert params.sort_by == SortBy("v:sum", True)


@pytest.mark.parametrize("value, message", [
    ("name", "sort_by must be field:ascending or field:descending"),
    ("name:up", "sort_by direction must be ascending or descending"),
    ("_count:ascending", "_count is only available when grouping"),
    ("_updated_at:ascending", "not a field that can be sorted"),
])
def test_bad_sort_by(value, message):
    assert message in error(f"sort_by={value}")


def test_grouped_sort_must_name_an_output_field():
    assert "is not a group_by field, _count or a collected value" in error(
        "group_by=a&sort_by=b:ascending"
    )


@pytest.mark.parametrize("name", ["inclusive", "flatten"])
def test_booleans(name):
    assert getattr(parse(f"{name}=true"), name) is True
    assert f"{name} must be true or false" in error(f"{name}=yes")


def test_format():
    assert parse("format=csv").format == "csv"
    assert "format must be one of json, csv" in error("format=xml")


def test_large_integer_filters_stay_exact():
    from backdrop.read.params import filter_values

    assert filter_values("n", "9007199254740993") == ("9007199254740993", 9007199254740993)
    assert filter_values("n", "-12") == ("-12", -12)
    assert filter_values("n", "1.0") == ("1.0", 1)


def test_leading_zeros_are_not_numbers():
    from backdrop.read.params import filter_values

    assert filter_values("n", "007") == ("007",)
