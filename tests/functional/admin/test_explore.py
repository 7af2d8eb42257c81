"""``/<bucket>/explore``: the query builder's answers are the read API's (SPEC 6)."""
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from backdrop.periods import period_start
from backdrop.records import format_datetime, prepare_batch

THIS_WEEK = period_start(datetime.now(UTC), "week")


@pytest.fixture
def visits(make_bucket, store, plugins):
    """A bucket with browsers over the last weeks, and its raw-query protection on."""
    make_bucket("visits")
    records = []
    for weeks_ago, browser, count in ((0, "Firefox", 2), (1, "Chrome", 3), (1, "Firefox", 1),
                                      (3, "Chrome", 4), (30, "Safari", 15)):
        for n in range(count):
            records.append({
                "_timestamp": format_datetime(THIS_WEEK - timedelta(weeks=weeks_ago, hours=-n)),
                "browser": browser, "duration": 10 * (n + 1), "mobile": n % 2 == 0,
            })
    config = store.get_bucket("visits")
    store.insert("visits", prepare_batch(records, config, plugins.bucket_types["events"]))
    return records


def _query(**overrides):
    form = {"period": "week", "window": "last", "duration": "4", "chart": "line",
            "collect_field": "", "collect_method": "sum", "filter_field": "", "filter_value": ""}
    form.update(overrides)
    return form


def test_explore_answers_what_the_read_api_answers(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore", _query(group_by="browser", collect_field="duration",
                                                 collect_method="sum", measure="duration:sum"))
    html = response.html
    url = html.select_one("#read-api-url")["value"]
    assert url == ("http://localhost/visits?period=week&duration=4&group_by=browser"
                   "&collect=duration%3Asum")
    read = app.get(url.removeprefix("http://localhost")).json["data"]
    assert [row["browser"] for row in read] == ["Chrome", "Firefox"]
    # The chart: one series per group, each point the read API's value.
    spec = json.loads(html.select_one("#explore-chart")["data-vega-lite"])
    points = spec["data"]["values"]
    assert sorted({point["series"] for point in points}) == ["Chrome", "Firefox"]
    expected = [(row["browser"], value["_start_at"], value["duration:sum"])
                for row in read for value in row["values"]]
    assert [(p["series"], p["period"], p["value"]) for p in points] == expected
    assert spec["encoding"]["x"]["title"] == "Week starting"
    assert spec["encoding"]["y"]["title"] == "sum of duration"
    assert spec["encoding"]["color"]["title"] == "browser"
    assert spec["mark"]["type"] == "line" and spec["mark"]["tooltip"] is True
    # The table: one row per group and period, the read API's exact values.
    columns = [th.text for th in html.select("#answer-table thead th")]
    table = [dict(zip(columns, [td["data-value"] for td in tr.select("td")], strict=True))
             for tr in html.select("#answer-table tbody tr")]
    flat = [(row["browser"], value["_start_at"], str(value["_count"])) for row in read
            for value in row["values"]]
    assert [(row["browser"], row["_start_at"], row["_count"]) for row in table] == flat
    # What the form offers comes from the bucket's own fields.
    assert [box["value"] for box in html.select("input[name=group_by]")] == [
        "browser", "duration", "mobile"]
    assert html.select_one("input[name=group_by][value=browser]").has_attr("checked")


def test_group_by_alone_is_bars_per_group(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore", _query(period="", window="dates",
                                                 start_date=f"{THIS_WEEK - timedelta(weeks=8):%Y-%m-%d}",
                                                 end_date=f"{THIS_WEEK + timedelta(weeks=1):%Y-%m-%d}",
                                                 group_by="browser"))
    spec = json.loads(response.html.select_one("#explore-chart")["data-vega-lite"])
    assert spec["mark"]["type"] == "bar"
    assert [(p["label"], p["value"]) for p in spec["data"]["values"]] == [("Chrome", 7), ("Firefox", 3)]


def test_bars_over_time_on_request(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore", _query(chart="bar"))
    spec = json.loads(response.html.select_one("#explore-chart")["data-vega-lite"])
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["type"] == "ordinal"
    assert [p["value"] for p in spec["data"]["values"]] == [0, 4, 0, 4]  # 4 to 1 weeks ago


def test_filters_reach_the_read_api(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore", _query(filter_field="mobile", filter_value="true",
                                                 duration="2"))
    url = response.html.select_one("#read-api-url")["value"]
    assert url.endswith("?period=week&duration=2&filter_by=mobile%3Atrue")
    spec = json.loads(response.html.select_one("#explore-chart")["data-vega-lite"])
    read = app.get(url.removeprefix("http://localhost")).json["data"]
    assert [p["value"] for p in spec["data"]["values"]] == [row["_count"] for row in read] == [0, 3]


def test_first_visit_shows_the_last_twelve_weeks(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore")
    assert response.html.select_one("#read-api-url")["value"].endswith("?period=week&duration=12")
    assert len(response.html.select("#answer-table tbody tr")) == 12


def test_csv_download_is_the_read_apis_csv(app, visits, sign_in):
    sign_in("visits")
    page = app.get("/visits/explore", _query(group_by="browser"))
    link = page.html.select_one("#csv-download")["href"]
    download = app.get(link)
    assert download.content_type == "text/csv"
    assert download.headers["Content-Disposition"] == 'attachment; filename="visits.csv"'
    direct = app.get("/visits", {"period": "week", "duration": "4", "group_by": "browser",
                                 "format": "csv"})
    assert download.text == direct.text
    assert list(csv.DictReader(io.StringIO(download.text)))[0]["browser"] == "Chrome"


def test_the_twenty_newest_records_newest_first(app, visits, sign_in):
    sign_in("visits")
    html = app.get("/visits/explore").html
    columns = [th.text for th in html.select("#newest-records thead th")]
    rows = html.select("#newest-records tbody tr")
    assert len(visits) == 25 and len(rows) == 20
    stamps = [tr.select("td")[columns.index("_timestamp")].text for tr in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[0] == max(record["_timestamp"] for record in visits)


def test_an_empty_answer_says_so(app, make_bucket, sign_in):
    make_bucket("quiet")
    sign_in("quiet")
    html = app.get("/quiet/explore").html
    assert "No records match this query" in html.select_one("#empty-state").text
    assert html.select_one("#explore-chart") is None
    assert "no records yet" in html.select_one("section.newest").text


def test_a_query_the_read_api_refuses_shows_its_message(app, visits, sign_in, store):
    sign_in("visits")
    response = app.get("/visits/explore", _query(duration="0"), status=400)
    direct = app.get("/visits", {"period": "week", "duration": "0"}, status=400)
    assert response.html.select_one("#query-error").text == direct.json["message"]
    assert response.html.select_one("#explore-chart") is None


def test_raw_query_protection_applies_as_in_the_read_api(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore", _query(period="", duration=""), status=400)
    assert response.html.select_one("#query-error").text == "querying for raw data is not allowed"


def test_an_uploader_cannot_explore_a_bucket_not_granted(app, visits, make_bucket, sign_in):
    make_bucket("mine")
    sign_in("mine")
    response = app.get("/visits/explore", status=404)
    assert "Page not found" in response.text
    app.get("/visits/explore", {"download": "csv", "period": "week", "duration": "2"}, status=404)
    app.get("/nope/explore", status=404)


def test_an_admin_may_explore_every_bucket(app, visits, store):
    app.get("/_test/sign-in", {"email": "root@example.com", "admin": "true"}, status=302)
    assert app.get("/visits/explore").html.select_one("#answer-table")


def test_explore_needs_sign_in(app, visits):
    response = app.get("/visits/explore", status=302)
    assert response.location.endswith("/sign-in")


def test_home_links_to_the_explorer(app, visits, sign_in):
    sign_in("visits")
    link = app.get("/").html.select_one("#bucket-visits a.explore-link")["href"]
    assert link == "http://localhost/visits/explore"


def test_every_control_has_a_label(app, visits, sign_in):
    sign_in("visits")
    html = app.get("/visits/explore").html
    labelled = {label["for"] for label in html.select("label[for]")}
    controls = html.select("form#explorer input, form#explorer select")
    assert controls and all(control["id"] in labelled for control in controls)
    assert html.select_one('label[for="read-api-url"]')


def test_read_api_url_can_point_at_a_separate_read_role(make_app, store, plugins):
    from backdrop.buckets import new_config

    app = make_app(**{"backdrop.read_api_url": "https://read.example/"})
    app_store = app.app.registry["backdrop.store"]
    app_store.create_bucket(new_config("visits", {}, plugins)[0])
    app_store.save_user("ada@example.com", ["visits"])
    app.get("/_test/sign-in", {"email": "ada@example.com"}, status=302)
    url = app.get("/visits/explore").html.select_one("#read-api-url")["value"]
    assert url == "https://read.example/visits?period=week&duration=12"
    # The CSV is still served here, by the admin role, whatever that setting says.
    csv_link = app.get("/visits/explore").html.select_one("#csv-download")["href"]
    assert csv_link.startswith("http://localhost/visits/explore?")


def test_the_time_zone_field_reaches_the_read_api_and_sets_local_midnights(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore", _query(
        period="day", window="dates", start_date="2024-07-01", end_date="2024-07-08",
        timezone="Europe/London", collect_field="duration", collect_method="median",
        measure="duration:median"))
    html = response.html
    assert html.select_one("#timezone")["value"] == "Europe/London"
    url = html.select_one("#read-api-url")["value"]
    assert url == ("http://localhost/visits?period=day&start_at=2024-07-01T00%3A00%3A00%2B01%3A00"
                   "&end_at=2024-07-08T00%3A00%3A00%2B01%3A00&collect=duration%3Amedian"
                   "&timezone=Europe%2FLondon")
    read = app.get(url.removeprefix("http://localhost")).json["data"]
    assert read[0]["_start_at"] == "2024-07-01T00:00:00+01:00" and len(read) == 7
    columns = [th.text for th in html.select("#answer-table thead th")]
    assert columns == ["_start_at", "_end_at", "_count", "duration:median"]
    first = [td["data-value"] for td in html.select("#answer-table tbody tr")[0].select("td")]
    assert first[0] == "2024-07-01T00:00:00+01:00"
    assert "Europe/London" in [o["value"] for o in html.select("datalist#timezones option")]


def test_an_unknown_time_zone_shows_the_read_apis_message(app, visits, sign_in):
    sign_in("visits")
    response = app.get("/visits/explore", _query(timezone="Mars/Olympus_Mons"), status=400)
    assert response.html.select_one("#query-error").text == (
        "timezone: Mars/Olympus_Mons is not a known IANA time zone")


def test_the_new_collect_methods_are_offered_in_order(app, visits, sign_in):
    sign_in("visits")
    methods = [option["value"] for option in
               app.get("/visits/explore").html.select("#collect-method-0 option")]
    assert methods[:8] == ["sum", "count", "mean", "min", "max", "median", "distinct", "set"]
    assert methods[8:107] == [f"p{rank}" for rank in range(1, 100)]
    response = app.get("/visits/explore", _query(group_by="browser", collect_field="duration",
                                                 collect_method="p95", measure="duration:p95"))
    spec = json.loads(response.html.select_one("#explore-chart")["data-vega-lite"])
    read = app.get("/visits?period=week&duration=4&group_by=browser&collect=duration:p95").json
    assert [p["value"] for p in spec["data"]["values"]] == [
        value["duration:p95"] for row in read["data"] for value in row["values"]]
