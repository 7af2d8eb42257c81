"""Every invalid query is a 400 saying what is wrong (SPEC 3.2, 3.5), never a 500."""
import pytest

RAW_OK = {"raw_queries_allowed": True}
WEEK = "start_at=2013-03-11T00:00:00Z&end_at=2013-03-25T00:00:00Z"


@pytest.fixture
def open_bucket(load_fixture):
    load_fixture("dinos", "dinosaurs.json", **RAW_OK)
    return "/dinos"


@pytest.fixture
def protected_bucket(load_fixture):
    load_fixture("guarded", "dinosaurs.json")
    return "/guarded"


def message(app, url):
    response = app.get(url, status=400)
    assert response.json["status"] == "error"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.json["message"]


@pytest.mark.parametrize("query, expected", [
    ("foo=bar", "An unrecognised parameter was provided"),
    ("start_at=yesterday&end_at=2013-03-25T00:00:00Z", "start_at is not a valid datetime"),
    ("start_at=2013-03-11T00:00:00Z&end_at=2013-03-25", "end_at is not a valid datetime"),
    ("period=fortnight&duration=2", "period must be one of"),
    ("sort_by=name:sideways", "sort_by direction must be ascending or descending"),
    ("limit=-1", "limit must be a non-negative integer"),
    ("limit=2.5", "limit must be a non-negative integer"),
    ("period=week&duration=-1", "duration must be a positive integer"),
    ("period=week&duration=0", "duration must be a positive integer"),
    ("period=week&duration=x", "duration must be a positive integer"),
    (WEEK + "&duration=2&period=week", "start_at, end_at and duration cannot all be given"),
    ("start_at=2013-03-11T00:00:00Z", "start_at requires end_at or duration"),
    ("end_at=2013-03-11T00:00:00Z", "end_at requires start_at or duration"),
    (WEEK + "&period=week&limit=1", "limit is not allowed on a period query without group_by"),
    (WEEK + "&period=week&sort_by=_count:descending",
     "sort_by is not allowed on a period query without group_by"),
    ("period=week", "period requires either duration or both start_at and end_at"),
    ("period=week&start_at=2013-03-11T00:00:00Z", "start_at requires end_at or duration"),
    ("group_by=size&collect=size", "cannot collect the group_by field size"),
    ("group_by=size&collect=_id:count", "internal field _id cannot be used"),
    ("group_by=size&collect=name:p100", "p100 is not a known collect method"),
    ("collect=name:count", "collect requires group_by or period"),
    ("filter_by=$where:1", "cannot start with $"),
    ("filter_by_prefix=$regex:a", "cannot start with $"),
    ("group_by=$size", "cannot start with $"),
    ("group_by=a.b", "not a valid field name"),
    ("filter_by=na me:x", "not a valid field name"),
    ("group_by=_timestamp", "internal field _timestamp cannot be used"),
    ("filter_by=_updated_at:x", "only _id and _timestamp"),
    ("filter_by=name", "filter_by must be field:value"),
    ("inclusive=maybe", "inclusive must be true or false"),
    ("format=xml", "format must be one of json, csv"),
    ("limit=1&limit=2", "limit may be given only once"),
    ("period=hour&duration=60000", "too many periods"),
    ("period=year&duration=3&start_at=9999-01-01T00:00:00Z", "outside the supported range"),
])
def test_bad_queries(app, open_bucket, query, expected):
    assert expected in message(app, f"{open_bucket}?{query}")


@pytest.mark.parametrize("name, value", [
    ("filter_by", "size:big"), ("filter_by_prefix", "name:t"), ("group_by", "f{n}"),
    ("collect", "f{n}"),
])
def test_each_repeatable_parameter_at_most_ten_times(app, open_bucket, name, value):
    ten = "&".join(f"{name}={value.format(n=n)}" for n in range(10))
    if name == "collect":
        ten += "&group_by=size"
    app.get(f"{open_bucket}?{ten}", status=200)
    assert "at most 10 times" in message(app, f"{open_bucket}?{ten}&{name}={value.format(n=10)}")


def test_summing_a_non_numeric_field_is_400_not_500(app, open_bucket):
    assert "invalid collect function" in message(app, f"{open_bucket}?group_by=size&collect=name:sum")
    assert "invalid collect function" in message(
        app, f"{open_bucket}?period=week&{WEEK}&collect=name:mean")


def test_not_found_comes_before_bad_parameters(app):
    assert app.get("/nope?foo=bar", status=404).json["message"] == "bucket not found"


# -- raw-query protection (SPEC 3.5) -----------------------------------------------------------
def test_raw_queries_are_refused_by_default(app, protected_bucket):
    assert message(app, protected_bucket) == "querying for raw data is not allowed"
    assert message(app, f"{protected_bucket}?{WEEK}") == "querying for raw data is not allowed"


def test_aggregates_are_allowed(app, protected_bucket):
    assert app.get(f"{protected_bucket}?group_by=size").json["data"][0]["_count"] == 2
    assert len(app.get(f"{protected_bucket}?period=week&{WEEK}").json["data"]) == 2


@pytest.mark.parametrize("query, expected", [
    ("group_by=size&start_at=2013-03-11T01:00:00Z&end_at=2013-03-25T00:00:00Z",
     "start_at must be midnight"),
    ("group_by=size&start_at=2013-03-11T00:00:00Z&end_at=2013-03-25T00:30:00Z",
     "end_at must be midnight"),
    ("group_by=size&start_at=2013-03-11T00:00:00Z&end_at=2013-03-17T00:00:00Z",
     "at least 7 days apart"),
    ("period=day&start_at=2013-03-11T00:00:00Z&end_at=2013-03-13T00:00:00Z",
     "at least 7 days apart"),
    ("period=week&start_at=2013-03-12T00:00:00Z&end_at=2013-03-26T00:00:00Z",
     "start_at must be a Monday"),
    ("period=week&start_at=2013-03-11T00:00:00Z&end_at=2013-03-26T00:00:00Z",
     "end_at must be a Monday"),
    ("period=week&duration=2&start_at=2013-03-13T00:00:00Z", "start_at must be a Monday"),
    ("period=month&start_at=2013-03-02T00:00:00Z&end_at=2013-05-01T00:00:00Z",
     "start_at must be the first of a month"),
    ("period=month&start_at=2013-03-01T00:00:00Z&end_at=2013-05-31T00:00:00Z",
     "end_at must be the first of a month"),
    ("period=day&start_at=2013-03-11T00:00:00%2B01:00&end_at=2013-03-25T00:00:00Z",
     "start_at must be midnight"),
])
def test_protection_rules(app, protected_bucket, query, expected):
    assert expected in message(app, f"{protected_bucket}?{query}")


@pytest.mark.parametrize("query", [
    "period=week&start_at=2013-03-11T00:00:00Z&end_at=2013-03-18T00:00:00Z",
    "period=month&start_at=2013-03-01T00:00:00Z&end_at=2013-05-01T00:00:00Z",
    "period=hour&start_at=2013-03-20T10:00:00Z&end_at=2013-03-20T11:00:00Z",
    "period=week&duration=2&start_at=2013-03-11T00:00:00Z",
    "period=week&duration=2",
    "group_by=size&start_at=2013-03-11T00:00:00Z&end_at=2013-03-18T00:00:00Z",
])
def test_protected_bucket_answers_whole_day_aggregates(app, protected_bucket, query):
    app.get(f"{protected_bucket}?{query}", status=200)


def test_open_bucket_answers_anything(app, open_bucket):
    url = f"{open_bucket}?group_by=size&start_at=2013-03-20T10:10:11Z&end_at=2013-03-20T10:10:13Z"
    assert [r["size"] for r in app.get(url).json["data"]] == ["big", "medium"]


@pytest.mark.parametrize("query, expected", [
    ("filter_by=name:%ff", "not valid UTF-8"),
    ("%ff=1", "not valid UTF-8"),
    ("limit=99999999999999999999", "limit is too large"),
    ("group_by=", "group_by: a field name is required"),
    ("filter_by=:x", "filter_by: a field name is required"),
    ("period=day&start_at=9999-12-30T00:00:00Z&end_at=9999-12-31T12:00:00Z",
     "outside the supported range"),
])
def test_odd_queries_are_400_not_500(app, open_bucket, query, expected):
    assert expected in message(app, f"{open_bucket}?{query}")


def test_huge_numbers_in_filters_match_nothing(app, open_bucket):
    assert app.get(f"{open_bucket}?filter_by=name:1e400").json["data"] == []
