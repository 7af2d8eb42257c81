"""Admin pages: sign-in redirects, the home page and its charts, headers, sessions."""
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from backdrop.periods import period_start
from backdrop.records import format_datetime, prepare_batch

ADMIN_HEADERS = {"Cache-Control": "private, must-revalidate", "X-Frame-Options": "SAMEORIGIN"}


def assert_admin_headers(response):
    for name, value in ADMIN_HEADERS.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("path", ["/", "/foo/upload"])
def test_visitors_not_signed_in_are_sent_to_sign_in(app, make_bucket, path):
    make_bucket("foo")
    response = app.get(path, status=302)
    assert response.location == "http://localhost/sign-in"
    assert_admin_headers(response)


def test_after_sign_in_visitors_return_where_they_were_going(app, make_bucket, store):
    make_bucket("foo")
    store.save_user("ada@example.com", ["foo"])
    app.get("/foo/upload", status=302)
    response = app.get("/_test/sign-in", {"email": "ada@example.com"}, status=302)
    assert response.location == "http://localhost/foo/upload"


def test_sign_in_redirects_to_the_provider(app):
    response = app.get("/sign-in", status=302)
    location = response.location
    assert location.startswith("http://127.0.0.1:9/oauth/authorize?")
    assert "client_id=test-client" in location
    assert "redirect_uri=http%3A%2F%2Flocalhost%2Fsign-in%2Fcallback" in location
    assert re.search(r"state=[\w-]{20,}", location)


def test_home_says_who_is_signed_in_and_links_uploads(app, make_bucket, sign_in):
    make_bucket("foo")
    make_bucket("bar", upload_format="excel")
    make_bucket("secret")
    sign_in("foo", "bar", name="Ada Lovelace")
    response = app.get("/", status=200)
    assert_admin_headers(response)
    assert response.content_type == "text/html"
    assert "Signed in as Ada Lovelace" in response.text
    links = [link["href"] for link in response.html.select("a.upload-link")]
    assert links == ["http://localhost/foo/upload", "http://localhost/bar/upload"]
    assert "secret" not in response.text


def test_home_lists_nothing_for_a_user_without_buckets(app, sign_in):
    sign_in()
    response = app.get("/")
    assert "You have no data sets to upload to yet" in response.text


def test_home_skips_granted_buckets_that_no_longer_exist(app, make_bucket, sign_in):
    make_bucket("foo")
    sign_in("foo", "gone")
    response = app.get("/")
    assert [li["id"] for li in response.html.select("li.bucket")] == ["bucket-foo"]


def test_home_chart_shows_weekly_counts_of_the_last_twelve_weeks(
    app, make_bucket, sign_in, store, plugins
):
    make_bucket("foo")
    this_week = period_start(datetime.now(UTC), "week")
    records = (
        [{"_timestamp": format_datetime(this_week + timedelta(hours=1))}] * 3
        + [{"_timestamp": format_datetime(this_week - timedelta(weeks=2))}] * 2
        + [{"_timestamp": format_datetime(this_week - timedelta(weeks=12))}] * 7  # too old
    )
    config = store.get_bucket("foo")
    store.insert("foo", prepare_batch(records, config, plugins.bucket_types["events"]))
    sign_in("foo")
    response = app.get("/")
    figure = response.html.select_one("#bucket-foo figure.chart")
    spec = json.loads(figure["data-vega-lite"])
    values = spec["data"]["values"]
    assert [point["value"] for point in values] == [0] * 9 + [2, 0, 3]
    assert values[-1]["period"] == format_datetime(this_week)
    assert values[-1]["label"] == f"{this_week:%d %b %Y}"
    # The same numbers as the read API's answer to the same question.
    read = app.get("/foo", {
        "period": "week",
        "start_at": format_datetime(this_week - timedelta(weeks=11)),
        "end_at": format_datetime(this_week + timedelta(weeks=1)),
    }).json["data"]
    assert [(row["_start_at"], row["_count"]) for row in read] == [
        (point["period"], point["value"]) for point in values
    ]
    # Axes with titles, a tooltip with the value, and a way in for keyboards.
    assert spec["encoding"]["x"]["title"] == "Week starting"
    assert spec["encoding"]["y"]["title"] == "Records"
    assert spec["mark"]["tooltip"] is True
    assert figure["tabindex"] == "0" and figure.select_one(".chart-readout")["aria-live"]
    assert "5 records in the last 12 weeks" in figure.figcaption.text
    # The chart library comes from our own static files, nothing from a CDN.
    scripts = [script["src"] for script in response.html.select("script")]
    assert "http://localhost/_admin/static/vendor/vega-embed.min.js" in scripts
    assert "http://localhost/_admin/static/charts.js" in scripts
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert not re.search(r"""(src|href)="https?://(?!localhost)""", response.text)
    assert not response.html.select("script:not([src])")  # no inline script


def test_chart_library_and_its_licence_are_served(app):
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "vega-interpreter.min.js"):
        response = app.get(f"/_admin/static/vendor/{name}", status=200)
        assert response.content_type in ("application/javascript", "text/javascript")
        assert len(response.body) > 1000
    assert "University of Washington" in app.get("/_admin/static/vendor/LICENSE").text


def test_old_user_page_redirects_permanently_home(app):
    response = app.get("/_user", status=301)
    assert response.location == "http://localhost/"


def test_static_stylesheet_is_served(app):
    assert "body" in app.get("/_admin/static/admin.css", status=200).text


def test_sign_out_clears_the_session(app, make_bucket, sign_in):
    make_bucket("foo")
    sign_in("foo")
    app.get("/", status=200)
    response = app.get("/sign-out", status=200)
    assert "You have signed out" in response.text
    assert_admin_headers(response)
    app.get("/", status=302)
    app.get("/foo/upload", status=302)


def test_session_cookie_is_http_only_and_lax(app, sign_in):
    response = app.get("/_test/sign-in", {"email": "ada@example.com"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "secure" not in cookie.lower().replace("samesite", "")


def test_secure_cookies_setting_marks_the_cookie_secure(make_app):
    app = make_app(**{"backdrop.secure_cookies": "true"})
    cookie = app.get("/_test/sign-in", {"email": "a@example.com"}).headers["Set-Cookie"]
    assert "; secure" in cookie.lower() and "SameSite=Lax" in cookie


def test_a_forged_session_cookie_is_ignored(app, make_bucket, sign_in):
    make_bucket("foo")
    sign_in("foo")
    app.set_cookie("backdrop_admin", "forged" + app.cookies["backdrop_admin"][6:])
    app.get("/", status=302)


def test_test_sign_in_route_is_absent_unless_enabled(make_app):
    app = make_app(**{"backdrop.test_sign_in": "false"})
    app.get("/_test/sign-in", {"email": "a@example.com"}, status=404)


def test_admin_role_refuses_to_start_without_a_session_secret(make_app):
    with pytest.raises(SystemExit, match="session_secret"):
        make_app(**{"backdrop.session_secret": ""})


def test_upload_page_of_a_bucket_not_granted_is_not_found(app, make_bucket, sign_in):
    make_bucket("foo")
    make_bucket("other")
    sign_in("foo")
    for path in ("/other/upload", "/missing/upload", "/_reserved/upload"):
        response = app.get(path, status=404)
        assert response.content_type == "text/html"
        assert_admin_headers(response)
    app.post("/other/upload", status=400)  # no CSRF token: refused before anything else


def test_upload_form_carries_a_csrf_token(app, make_bucket, sign_in):
    make_bucket("foo")
    sign_in("foo")
    response = app.get("/foo/upload")
    assert_admin_headers(response)
    token = response.forms[0]["csrf_token"].value
    assert len(token) >= 32


def test_upload_without_csrf_token_is_refused(app, make_bucket, sign_in, store):
    make_bucket("foo", bucket_type="custom")
    sign_in("foo")
    response = app.post(
        "/foo/upload", upload_files=[("file", "a.csv", b"a\n1\n", "text/csv")], status=400
    )
    assert "security token" in response.text
    assert response.content_type == "text/html"
    response = app.post(
        "/foo/upload", {"csrf_token": "wrong"},
        upload_files=[("file", "a.csv", b"a\n1\n", "text/csv")], status=400,
    )
    assert store.count("foo") == 0


def test_revoking_a_user_takes_effect_at_once(app, make_bucket, sign_in, store):
    make_bucket("foo")
    sign_in("foo")
    app.get("/foo/upload", status=200)
    store.save_user("ada@example.com", [])
    app.get("/foo/upload", status=404)


def test_admin_urls_are_not_answered_without_the_admin_role(make_app):
    app = make_app(**{"backdrop.roles": "read write"})
    app.get("/sign-in", status=404)
    app.get("/_test/sign-in", status=404)


def test_a_broken_store_gives_an_html_error_page_not_json(app, store, sign_in, db_path):
    sign_in("visits")
    store.close()
    db_path.write_bytes(b"this is not a SQLite database" * 100)
    response = app.get("/", status=500)
    assert response.content_type == "text/html"
    assert "Something went wrong" in response.text
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Traceback" not in response.text
