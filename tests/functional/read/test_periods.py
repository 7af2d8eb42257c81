"""Period queries: calendar boundaries, gap-filling, windows that slide (SPEC 3.3, 3.4)."""
from datetime import UTC, datetime, timedelta

from backdrop.periods import period_start
from backdrop.records import format_datetime


def data(app, url, **kw):
    return app.get(url, **kw).json["data"]


def summary(rows, *fields):
    return [(row["_start_at"][:10], row["_count"], *(row[f] for f in fields)) for row in rows]


def stamps(*texts, **extra):
    return [{"_timestamp": text, **extra} for text in texts]


def test_weeks_start_on_monday(app, load):
    load("w", stamps("2013-03-17T23:59:59Z", "2013-03-18T00:00:00Z", "2013-03-24T23:00:00Z"))
    rows = data(app, "/w?period=week&start_at=2013-03-11T00:00:00Z&end_at=2013-03-25T00:00:00Z")
    assert rows == [
        {"_start_at": "2013-03-11T00:00:00+00:00", "_end_at": "2013-03-18T00:00:00+00:00",
         "_count": 1},
        {"_start_at": "2013-03-18T00:00:00+00:00", "_end_at": "2013-03-25T00:00:00+00:00",
         "_count": 2},
    ]
    assert all(type(row["_count"]) is int for row in rows)


def test_months_at_their_true_boundaries(app, load):
    load("m", stamps("2013-01-31T23:59:59Z", "2013-02-01T00:00:00Z", "2013-02-28T23:59:59Z",
                     "2013-03-01T00:00:00Z", "2012-12-31T23:59:59Z"))
    rows = data(app, "/m?period=month&start_at=2013-01-01T00:00:00Z&end_at=2013-04-01T00:00:00Z")
    assert [(r["_start_at"], r["_end_at"], r["_count"]) for r in rows] == [
        ("2013-01-01T00:00:00+00:00", "2013-02-01T00:00:00+00:00", 1),
        ("2013-02-01T00:00:00+00:00", "2013-03-01T00:00:00+00:00", 2),
        ("2013-03-01T00:00:00+00:00", "2013-04-01T00:00:00+00:00", 1),
    ]


def test_quarters_at_their_true_boundaries(app, load):
    load("q", stamps("2013-03-31T23:59:59Z", "2013-04-01T00:00:00Z", "2013-12-31T12:00:00Z",
                     "2013-01-01T00:00:00+01:00"))
    rows = data(app, "/q?period=quarter&start_at=2013-01-01T00:00:00Z"
                     "&end_at=2014-01-01T00:00:00Z")
    assert [(r["_start_at"][:10], r["_end_at"][:10], r["_count"]) for r in rows] == [
        ("2013-01-01", "2013-04-01", 1),
        ("2013-04-01", "2013-07-01", 1),
        ("2013-07-01", "2013-10-01", 0),
        ("2013-10-01", "2014-01-01", 1),
    ]


def test_years_days_and_hours(app, load):
    load("t", stamps("2012-12-31T23:30:00Z", "2013-01-01T00:10:00Z", "2013-01-01T00:50:00Z",
                     "2013-01-01T02:00:00Z"), raw_queries_allowed=True)
    years = data(app, "/t?period=year&start_at=2012-01-01T00:00:00Z&end_at=2014-01-01T00:00:00Z")
    assert summary(years) == [("2012-01-01", 1), ("2013-01-01", 3)]
    days = data(app, "/t?period=day&start_at=2012-12-31T00:00:00Z&end_at=2013-01-02T00:00:00Z")
    assert summary(days) == [("2012-12-31", 1), ("2013-01-01", 3)]
    hours = data(app, "/t?period=hour&start_at=2013-01-01T00:00:00Z&end_at=2013-01-01T03:00:00Z")
    assert [(r["_start_at"][11:16], r["_count"]) for r in hours] == [
        ("00:00", 2), ("01:00", 0), ("02:00", 1)]


def test_empty_periods_are_filled_with_zero_counts_and_null_collects(app, load):
    load("g", [
        {"_timestamp": "2013-03-04T10:00:00Z", "v": 2},
        {"_timestamp": "2013-03-05T10:00:00Z", "v": 3},
        {"_timestamp": "2013-03-20T10:00:00Z", "v": 10},
    ])
    rows = data(app, "/g?period=week&start_at=2013-03-04T00:00:00Z&end_at=2013-03-25T00:00:00Z"
                     "&collect=v:sum&collect=v:mean&collect=v")
    assert summary(rows, "v:sum", "v:mean", "v") == [
        ("2013-03-04", 2, 5, 2.5, [2, 3]),
        ("2013-03-11", 0, None, None, None),
        ("2013-03-18", 1, 10, 10.0, [10]),
    ]
    assert rows[1]["v:set"] is None


def test_end_at_inside_a_period_lists_it_and_counts_records_before_end_at(app, load):
    load("m", stamps("2013-01-10T00:00:00Z", "2013-02-10T00:00:00Z", "2013-02-20T00:00:00Z"),
         raw_queries_allowed=True)
    rows = data(app, "/m?period=month&start_at=2013-01-01T00:00:00Z&end_at=2013-02-15T00:00:00Z")
    assert [(r["_start_at"][:10], r["_end_at"][:10], r["_count"]) for r in rows] == [
        ("2013-01-01", "2013-02-01", 1), ("2013-02-01", "2013-03-01", 1)]


def test_inclusive_includes_the_period_starting_at_end_at(app, load_fixture):
    load_fixture("inc", "inclusive.json")
    url = "/inc?period=day&start_at=2014-12-01T00:00:00Z&end_at=2014-12-08T00:00:00Z"
    assert len(data(app, url)) == 7
    url = "/inc?period=day&start_at=2014-11-26T00:00:00Z&end_at=2014-12-03T00:00:00Z"
    assert [r["_count"] for r in data(app, url)] == [0, 0, 0, 0, 0, 1, 1]
    rows = data(app, url + "&inclusive=true")
    assert [r["_count"] for r in rows] == [0, 0, 0, 0, 0, 1, 1, 1]
    assert rows[-1]["_start_at"] == "2014-12-03T00:00:00+00:00"


def test_duration_from_start_at_slides_forward_to_the_first_data(app, load):
    load("s", stamps("2013-03-27T10:00:00Z", "2013-04-02T10:00:00Z", "2013-04-03T10:00:00Z"))
    rows = data(app, "/s?period=week&duration=3&start_at=2013-03-11T00:00:00Z")
    assert summary(rows) == [("2013-03-25", 1), ("2013-04-01", 2), ("2013-04-08", 0)]


def test_duration_from_start_at_without_empty_first_periods(app, load):
    load("s", stamps("2013-03-12T10:00:00Z", "2013-03-27T10:00:00Z"))
    rows = data(app, "/s?period=week&duration=2&start_at=2013-03-11T00:00:00Z")
    assert summary(rows) == [("2013-03-11", 1), ("2013-03-18", 0)]


def test_duration_back_from_end_at_slides_back_to_the_last_data(app, load):
    load("s", stamps("2013-01-15T00:00:00Z", "2013-02-15T00:00:00Z", "2013-03-10T00:00:00Z",
                     "2013-04-20T00:00:00Z", "2013-08-15T00:00:00Z"))
    rows = data(app, "/s?period=month&duration=3&end_at=2013-07-01T00:00:00Z")
    assert summary(rows) == [("2013-02-01", 1), ("2013-03-01", 1), ("2013-04-01", 1)]


def test_no_slide_when_the_whole_window_is_empty(app, load):
    load("s", stamps("2013-01-15T00:00:00Z"))
    rows = data(app, "/s?period=month&duration=2&start_at=2013-03-01T00:00:00Z")
    assert summary(rows) == [("2013-03-01", 0), ("2013-04-01", 0)]


def test_duration_alone_is_the_last_whole_periods(app, load):
    today = period_start(datetime.now(UTC), "day")
    load("recent", [
        {"_timestamp": format_datetime(today - timedelta(days=1) + timedelta(hours=1))},
        {"_timestamp": format_datetime(today - timedelta(days=3) + timedelta(hours=1))},
        {"_timestamp": format_datetime(today + timedelta(minutes=1))},
    ])
    rows = data(app, "/recent?period=day&duration=3")
    expected_starts = [format_datetime(today - timedelta(days=n)) for n in (3, 2, 1)]
    assert [r["_start_at"] for r in rows] == expected_starts
    assert [r["_count"] for r in rows] == [1, 0, 1]


def test_time_chunks_group_by_timestamp(app, load_fixture):
    load_fixture("chunks", "time_chunks.json")
    rows = data(app, "/chunks?period=week&start_at=2013-12-09T00:00:00Z"
                     "&end_at=2013-12-30T00:00:00Z&collect=value:sum")
    assert summary(rows, "value:sum") == [
        ("2013-12-09", 1, 3), ("2013-12-16", 1, 7), ("2013-12-23", 1, 1)]


LICENSING_WEEKS = "/lic?period=week&start_at=2012-12-10T00:00:00Z&end_at=2012-12-31T00:00:00Z"


def test_period_and_group_by_nests_gap_filled_values(app, load_fixture):
    load_fixture("lic", "licensing.json")
    rows = data(app, LICENSING_WEEKS + "&group_by=authority&collect=type")
    assert [(r["authority"], r["_count"], r["_group_count"], r["type"]) for r in rows] == [
        ("Camden", 2, 2, ["success"]),
        ("Westminster", 4, 2, ["failure", "success"]),
    ]
    assert all(type(r["_count"]) is int and type(r["_group_count"]) is int for r in rows)
    westminster = rows[1]["values"]
    assert summary(westminster, "type") == [
        ("2012-12-10", 3, ["failure", "success"]),
        ("2012-12-17", 1, ["success"]),
        ("2012-12-24", 0, None),
    ]
    assert westminster[2]["_end_at"] == "2012-12-31T00:00:00+00:00"


def test_period_and_group_sort_by_count_with_limit(app, load_fixture):
    load_fixture("lic", "licensing.json")
    rows = data(app, LICENSING_WEEKS + "&group_by=authority&sort_by=_count:descending&limit=1")
    assert [(r["authority"], r["_count"]) for r in rows] == [("Westminster", 4)]
    assert len(rows[0]["values"]) == 3
    rows = data(app, LICENSING_WEEKS + "&group_by=authority&sort_by=authority:descending")
    assert [r["authority"] for r in rows] == ["Westminster", "Camden"]


def test_period_and_group_sort_by_collected_value(app, load):
    load("sales", [
        {"_timestamp": "2013-03-04T10:00:00Z", "shop": "a", "v": 1},
        {"_timestamp": "2013-03-05T10:00:00Z", "shop": "a", "v": 1},
        {"_timestamp": "2013-03-12T10:00:00Z", "shop": "b", "v": 5},
    ])
    url = ("/sales?period=week&start_at=2013-03-04T00:00:00Z&end_at=2013-03-18T00:00:00Z"
           "&group_by=shop&collect=v:sum&sort_by=v:sum:descending")
    rows = data(app, url)
    assert [(r["shop"], r["v:sum"], r["_count"]) for r in rows] == [("b", 5, 1), ("a", 2, 2)]


def test_flatten_gives_one_row_per_group_and_period(app, load_fixture):
    load_fixture("lic", "licensing.json")
    rows = data(app, LICENSING_WEEKS + "&group_by=authority&flatten=true&collect=type:count")
    assert [(r["authority"], r["_start_at"][:10], r["_count"], r["type:count"]) for r in rows] == [
        ("Camden", "2012-12-10", 1, 1), ("Camden", "2012-12-17", 1, 1),
        ("Camden", "2012-12-24", 0, None),
        ("Westminster", "2012-12-10", 3, 3), ("Westminster", "2012-12-17", 1, 1),
        ("Westminster", "2012-12-24", 0, None),
    ]
    assert set(rows[0]) == {"authority", "_start_at", "_end_at", "_count", "type:count"}


def test_flatten_has_no_effect_on_other_shapes(app, load_fixture):
    load_fixture("lic", "licensing.json")
    assert data(app, LICENSING_WEEKS + "&flatten=true") == data(app, LICENSING_WEEKS)
    assert data(app, "/lic?group_by=type&flatten=true") == data(app, "/lic?group_by=type")


def test_csv_of_period_and_group_is_flat(app, load_fixture):
    load_fixture("lic", "licensing.json")
    response = app.get(LICENSING_WEEKS + "&group_by=authority&format=csv")
    lines = response.text.splitlines()
    assert lines[0] == "authority,_start_at,_end_at,_count"
    assert lines[1] == "Camden,2012-12-10T00:00:00+00:00,2012-12-17T00:00:00+00:00,1"
    assert len(lines) == 7


def test_period_and_group_with_filter_and_multiple_keys(app, load_fixture):
    load_fixture("lic", "licensing.json")
    rows = data(app, LICENSING_WEEKS + "&group_by=authority&group_by=type"
                     "&filter_by=authority:Westminster")
    assert [(r["authority"], r["type"], r["_count"]) for r in rows] == [
        ("Westminster", "failure", 1), ("Westminster", "success", 3)]


def test_data_group_address_serves_period_queries(app, load_fixture):
    load_fixture("lic", "licensing.json", data_group="licensing", data_type="apps")
    by_group = app.get("/data/licensing/apps" + LICENSING_WEEKS[4:]).json
    assert by_group == app.get(LICENSING_WEEKS).json
