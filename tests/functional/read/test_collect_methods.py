"""``median``, ``p1`` … ``p99`` and ``distinct`` through the read API (SPEC 3.2, 3.3).

Each test runs on SQLite (mirror on and off) and on MongoDB (see conftest).
"""
OPEN = {"raw_queries_allowed": True}


def data(app, url, **kw):
    return app.get(url, **kw).json["data"]


def timings(load):
    records = [{"_timestamp": "2024-01-01T10:00:00Z", "page": "home", "ms": ms}
               for ms in range(1, 101)]
    records += [{"_timestamp": "2024-01-02T10:00:00Z", "page": "home", "ms": ms}
                for ms in (10, 20, 30, 40)]
    records += [{"_timestamp": "2024-01-02T11:00:00Z", "page": "help", "ms": ms, "who": who}
                for ms, who in ((5, 1), (7, 1.0), (9, True), (None, "1"))]
    load("timings", records, **OPEN)


def test_p95_of_1_to_100_and_an_interpolated_median_by_group(app, load):
    timings(load)
    rows = data(app, "/timings?group_by=page&collect=ms:p95&collect=ms:median"
                     "&filter_by=_timestamp:2024-01-01T10:00:00Z")
    assert rows == [{"page": "home", "_count": 100, "ms:p95": 95.05, "ms:median": 50.5}]
    rows = data(app, "/timings?group_by=page&collect=ms:median&collect=ms:p25")
    assert rows == [
        {"page": "help", "_count": 4, "ms:median": 7.0, "ms:p25": 6.0},
        {"page": "home", "_count": 104, "ms:median": 48.5, "ms:p25": 24.75},
    ]


def test_distinct_counts_1_and_1_0_once_and_true_apart(app, load):
    timings(load)
    rows = data(app, "/timings?group_by=page&collect=who:distinct&collect=ms:distinct")
    # help: 1 (= 1.0), true, "1"; home holds no "who"
    assert rows == [
        {"page": "help", "_count": 4, "who:distinct": 3, "ms:distinct": 3},
        {"page": "home", "_count": 104, "who:distinct": 0, "ms:distinct": 100},
    ]


def test_periods_gap_fill_with_null_and_groups_total_over_the_window(app, load):
    timings(load)
    url = ("/timings?period=day&start_at=2024-01-01T00:00:00Z&end_at=2024-01-04T00:00:00Z"
           "&collect=ms:median&collect=who:distinct")
    assert [(r["_count"], r["ms:median"], r["who:distinct"]) for r in data(app, url)] == [
        (100, 50.5, 0), (8, 10.0, 3), (0, None, None)]
    rows = data(app, url + "&group_by=page")
    home = rows[1]
    # The window's median is over all 104 values, not folded from the days' medians.
    assert (home["page"], home["_count"], home["ms:median"], home["who:distinct"]) == (
        "home", 104, 48.5, 0)
    assert [(v["_count"], v["ms:median"], v["who:distinct"]) for v in home["values"]] == [
        (100, 50.5, 0), (4, 25.0, 0), (0, None, None)]
    assert (rows[0]["ms:median"], rows[0]["who:distinct"]) == (7.0, 3)


def test_sort_by_a_percentile_and_by_distinct_with_limit(app, load):
    timings(load)
    rows = data(app, "/timings?group_by=page&collect=ms:p90&sort_by=ms:p90:ascending&limit=1")
    assert rows == [{"page": "help", "_count": 4, "ms:p90": 8.6}]
    rows = data(app, "/timings?group_by=page&collect=ms:median&sort_by=ms:median:descending")
    assert [row["page"] for row in rows] == ["home", "help"]
    rows = data(app, "/timings?group_by=page&collect=who:distinct"
                     "&sort_by=who:distinct:descending&limit=1")
    assert rows == [{"page": "help", "_count": 4, "who:distinct": 3}]
    rows = data(app, "/timings?period=day&group_by=page&collect=ms:p99&sort_by=ms:p99:ascending"
                     "&start_at=2024-01-01T00:00:00Z&end_at=2024-01-03T00:00:00Z")
    assert [(row["page"], row["ms:p99"]) for row in rows] == [("help", 8.96), ("home", 98.97)]


def test_csv_of_percentiles_and_distinct(app, load):
    timings(load)
    text = app.get("/timings?group_by=page&collect=ms:median&collect=who:distinct"
                   "&format=csv").text
    assert text.splitlines() == ["page,_count,ms:median,who:distinct", "help,4,7.0,3",
                                 "home,104,48.5,0"]


def test_percentiles_with_a_time_zone(app, load):
    load("late", [{"_timestamp": "2024-07-01T22:30:00Z", "ms": 1},
                  {"_timestamp": "2024-07-01T23:30:00Z", "ms": 4},
                  {"_timestamp": "2024-07-01T23:40:00Z", "ms": 6}], **OPEN)
    rows = data(app, "/late?period=day&timezone=Europe/London&collect=ms:median"
                     "&start_at=2024-06-30T23:00:00Z&end_at=2024-07-02T23:00:00Z")
    assert [(r["_start_at"], r["_count"], r["ms:median"]) for r in rows] == [
        ("2024-07-01T00:00:00+01:00", 1, 1.0), ("2024-07-02T00:00:00+01:00", 2, 5.0)]


def test_a_percentile_of_strings_or_booleans_is_a_400_that_changes_nothing(app, load, store):
    timings(load)
    load("words", [{"_timestamp": "2024-01-01T10:00:00Z", "page": "a", "ms": "slow"},
                   {"_timestamp": "2024-01-01T10:00:00Z", "page": "a", "ms": 3}], **OPEN)
    for url in ("/words?group_by=page&collect=ms:median",
                "/words?group_by=page&collect=ms:p95&limit=0",
                "/timings?group_by=page&collect=who:p50",
                "/timings?period=day&duration=1&start_at=2024-01-02T00:00:00Z&collect=who:p10"):
        response = app.get(url, status=400)
        assert response.json["status"] == "error"
        assert "invalid collect function" in response.json["message"], url
    assert store.count("words") == 2


def test_unknown_percentiles_are_a_400(app, load):
    timings(load)
    for method in ("p0", "p100", "p5.5", "p05", "P50", "percentile"):
        response = app.get(f"/timings?group_by=page&collect=ms:{method}", status=400)
        assert response.json == {
            "status": "error", "message": response.json["message"]}
        assert f"{method} is not a known collect method" in response.json["message"]
