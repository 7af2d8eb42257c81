"""``timezone=<IANA name>`` (SPEC 3.2): local periods, offsets, current periods, protection.

Each test runs on SQLite (mirror on and off) and on MongoDB (see conftest).
"""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest


def data(app, url, **kw):
    return app.get(url, **kw).json["data"]


OPEN = {"raw_queries_allowed": True}


def hourly(first, hours, **extra):
    start = datetime.fromisoformat(first)
    return [{"_timestamp": (start + timedelta(hours=n)).isoformat(), **extra}
            for n in range(hours)]


def test_london_days_in_march_2024_are_24_23_and_24_hours_with_local_offsets(app, load):
    load("visits", hourly("2024-03-30T00:00:00+00:00", 71), **OPEN)
    rows = data(app, "/visits?period=day&timezone=Europe/London"
                     "&start_at=2024-03-30T00:00:00Z&end_at=2024-04-01T23:00:00Z")
    assert rows == [
        {"_start_at": "2024-03-30T00:00:00+00:00", "_end_at": "2024-03-31T00:00:00+00:00",
         "_count": 24},
        {"_start_at": "2024-03-31T00:00:00+00:00", "_end_at": "2024-04-01T00:00:00+01:00",
         "_count": 23},
        {"_start_at": "2024-04-01T00:00:00+01:00", "_end_at": "2024-04-02T00:00:00+01:00",
         "_count": 24},
    ]


def test_london_hours_on_27_october_2024_repeat_one_oclock(app, load):
    load("visits", hourly("2024-10-26T23:00:00+00:00", 25), **OPEN)
    rows = data(app, "/visits?period=hour&timezone=Europe/London"
                     "&start_at=2024-10-27T00:00:00%2B01:00&end_at=2024-10-28T00:00:00Z")
    assert len(rows) == 25 and all(row["_count"] == 1 for row in rows)
    assert [row["_start_at"] for row in rows[:4]] == [
        "2024-10-27T00:00:00+01:00", "2024-10-27T01:00:00+01:00",
        "2024-10-27T01:00:00+00:00", "2024-10-27T02:00:00+00:00",
    ]
    assert rows[-1]["_end_at"] == "2024-10-28T00:00:00+00:00"


def test_a_london_day_in_july_is_2300z_to_2300z(app, load):
    load("visits", [{"_timestamp": "2024-07-01T22:59:59Z"}, {"_timestamp": "2024-07-01T23:00:00Z"}],
         **OPEN)
    rows = data(app, "/visits?period=day&timezone=Europe/London"
                     "&start_at=2024-06-30T23:00:00Z&end_at=2024-07-02T23:00:00Z")
    assert [(r["_start_at"], r["_count"]) for r in rows] == [
        ("2024-07-01T00:00:00+01:00", 1), ("2024-07-02T00:00:00+01:00", 1)]


def test_sydney_days_in_april_2024_with_group_by_and_csv(app, load):
    load("visits", hourly("2024-04-05T13:00:00+00:00", 73, shop="a"), **OPEN)
    url = ("/visits?period=day&timezone=Australia/Sydney&group_by=shop"
           "&start_at=2024-04-06T00:00:00%2B11:00&end_at=2024-04-09T00:00:00%2B10:00")
    [row] = data(app, url)
    assert row["_count"] == 73 and row["_group_count"] == 3
    assert [(v["_start_at"], v["_end_at"], v["_count"]) for v in row["values"]] == [
        ("2024-04-06T00:00:00+11:00", "2024-04-07T00:00:00+11:00", 24),
        ("2024-04-07T00:00:00+11:00", "2024-04-08T00:00:00+10:00", 25),
        ("2024-04-08T00:00:00+10:00", "2024-04-09T00:00:00+10:00", 24),
    ]
    csv_lines = app.get(url + "&format=csv").text.splitlines()
    assert csv_lines[0] == "shop,_start_at,_end_at,_count"
    assert csv_lines[2] == "a,2024-04-07T00:00:00+11:00,2024-04-08T00:00:00+10:00,25"


def test_duration_alone_gives_the_last_whole_local_periods(app, load):
    zone = ZoneInfo("Asia/Kolkata")
    today = datetime.now(zone).date()
    midnight = datetime(today.year, today.month, today.day, tzinfo=zone)
    yesterday_noon = (midnight - timedelta(hours=12)).astimezone(UTC)
    load("visits", [{"_timestamp": yesterday_noon.isoformat()},
                    {"_timestamp": midnight.astimezone(UTC).isoformat()}],  # today: not listed
         **OPEN)
    rows = data(app, "/visits?period=day&duration=2&timezone=Asia/Kolkata")
    assert [(r["_start_at"], r["_count"]) for r in rows] == [
        ((midnight - timedelta(days=2)).isoformat(), 0),
        ((midnight - timedelta(days=1)).isoformat(), 1),
    ]


def test_a_relative_window_slides_to_local_periods_with_data(app, load):
    load("visits", [{"_timestamp": "2024-03-31T23:30:00Z"}], **OPEN)  # 1 April 00:30 BST
    rows = data(app, "/visits?period=day&duration=10&timezone=Europe/London"
                     "&start_at=2024-03-25T00:00:00Z")
    assert len(rows) == 10
    assert [(r["_start_at"], r["_count"]) for r in rows[:2]] == [
        ("2024-04-01T00:00:00+01:00", 1), ("2024-04-02T00:00:00+01:00", 0)]


def test_protected_buckets_check_midnight_in_the_zone(app, load):
    load("closed", [{"_timestamp": "2024-07-01T12:00:00Z"}], raw_queries_allowed=False)
    london = ("/closed?period=day&timezone=Europe/London"
              "&start_at=2024-06-30T23:00:00Z&end_at=2024-07-07T23:00:00Z")
    assert [r["_count"] for r in data(app, london)][:2] == [1, 0]
    utc_midnights = ("/closed?period=day&timezone=Europe/London"
                     "&start_at=2024-07-01T00:00:00Z&end_at=2024-07-08T00:00:00Z")
    response = app.get(utc_midnights, status=400)
    assert response.json == {"status": "error",
                             "message": "start_at must be midnight (00:00:00 Europe/London)"}
    not_monday = ("/closed?period=week&timezone=Europe/London"
                  "&start_at=2024-07-01T23:00:00Z&end_at=2024-07-15T23:00:00Z")
    assert app.get(not_monday, status=400).json["message"] == (
        "start_at must be a Monday for period=week")
    first_of_month = ("/closed?period=month&timezone=Australia/Sydney"
                      "&start_at=2024-06-30T14:00:00Z&end_at=2024-08-31T14:00:00Z")
    assert [r["_start_at"] for r in data(app, first_of_month)] == [
        "2024-07-01T00:00:00+10:00", "2024-08-01T00:00:00+10:00"]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "europe/london%00", "../etc/passwd", ""])
def test_an_unknown_zone_is_a_400_naming_it(app, load, zone):
    load("visits", [{"_timestamp": "2024-07-01T12:00:00Z"}])
    response = app.get(f"/visits?period=day&duration=2&timezone={zone}", status=400)
    assert response.json["status"] == "error"
    assert "is not a known IANA time zone" in response.json["message"]
    assert zone.replace("%00", "\x00") in response.json["message"]


def test_utc_is_the_default(app, load):
    load("visits", [{"_timestamp": "2024-07-01T23:30:00Z"}], **OPEN)
    url = "/visits?period=day&start_at=2024-07-01T00:00:00Z&end_at=2024-07-03T00:00:00Z"
    assert data(app, url) == data(app, url + "&timezone=UTC")
    assert data(app, url)[0]["_start_at"] == "2024-07-01T00:00:00+00:00"
