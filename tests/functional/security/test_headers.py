"""Findings 7 and 8: ``nosniff`` on every response of every role; HSTS and
``Referrer-Policy`` in production; URLs from the public URL, never ``Host``.
"""
import gzip
from pathlib import Path

import pytest
from pyramid.paster import get_app
from webtest import TestApp

from tests.conftest import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[3]
NOSNIFF = ("X-Content-Type-Options", "nosniff")


def assert_nosniff(response):
    assert response.headers.get(NOSNIFF[0]) == NOSNIFF[1], (
        f"{response.request.method} {response.request.path_qs} answered "
        f"{response.status} without {NOSNIFF[0]}"
    )


@pytest.fixture
def token(app, make_bucket):
    token = make_bucket("visits", raw_queries_allowed=True)
    app.post_json("/visits", {"_timestamp": "2024-01-01T00:00:00Z", "n": 1},
                  headers={"Authorization": f"Bearer {token}"})
    return token


def test_every_read_response_is_nosniff(app, token):
    ok = app.get("/visits")
    responses = [
        ok,
        app.get("/visits", {"format": "csv"}),
        app.get("/visits", headers={"If-None-Match": ok.etag}, status=304),
        app.options("/visits"),
        app.get("/visits", {"nonsense": "1"}, status=400),
        app.get("/nowhere", status=404),
        app.get("/_status"),
        app.get("/_status/buckets"),
        app.get("/_openapi.json", expect_errors=True),
    ]
    for response in responses:
        assert_nosniff(response)


def test_every_write_response_is_nosniff(app, token):
    bearer = {"Authorization": f"Bearer {token}"}
    record = {"_timestamp": "2024-01-02T00:00:00Z", "n": 2}
    responses = [
        app.post_json("/visits", record, headers=bearer),
        app.post_json("/visits", record, status=401),
        app.post("/visits", b"x", headers={**bearer, "Content-Type": "text/plain"}, status=415),
        app.post("/visits", gzip.compress(b"x" * 100), status=400,
                 headers={**bearer, "Content-Type": "application/json",
                          "Content-Encoding": "gzip"}),
        app.get("/data-sets", status=401),
        app.get("/data-sets", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}),
        app.delete("/data-sets/nowhere", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                   status=404),
    ]
    for response in responses:
        assert_nosniff(response)


def test_every_admin_response_is_nosniff(app, store):
    responses = [
        app.get("/", status=302),
        app.get("/sign-in", status=302),
        app.get("/_admin/static/admin.css"),
        app.get("/sign-in/callback", status=400),
        app.put("/sign-out", expect_errors=True),
    ]
    store.save_user("ada@example.com", [])
    responses.append(app.get("/_test/sign-in", {"email": "ada@example.com"}, status=302))
    responses += [app.get("/"), app.get("/nowhere/upload", status=404), app.get("/sign-out")]
    for response in responses:
        assert_nosniff(response)


def test_an_internal_error_is_nosniff(make_app, db_path):
    app = make_app(**{"backdrop.roles": "read"})
    app.app.registry["backdrop.store"].close()
    db_path.write_bytes(b"this is not a SQLite database" * 100)
    assert_nosniff(app.get("/visits", status=500))


def test_development_sends_no_hsts_or_referrer_policy(app):
    response = app.get("/_status")
    assert "Strict-Transport-Security" not in response.headers
    assert "Referrer-Policy" not in response.headers


@pytest.fixture
def production(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{tmp_path}/prod.db")
    monkeypatch.setenv("BACKDROP_ADMIN_TOKEN", "prod-admin-token")
    monkeypatch.setenv("BACKDROP_SESSION_SECRET", "prod-session-secret-0123456789")
    monkeypatch.setenv("BACKDROP_OAUTH_BASE_URL", "https://signon.example")
    monkeypatch.setenv("BACKDROP_OAUTH_CLIENT_ID", "client")
    monkeypatch.setenv("BACKDROP_OAUTH_CLIENT_SECRET", "secret")
    monkeypatch.setenv("BACKDROP_PUBLIC_URL", "https://backdrop.example")
    app = get_app(str(ROOT / "production.ini"))
    yield TestApp(app)
    app.registry["backdrop.store"].close()


def test_production_sends_hsts_and_same_origin_referrer_policy(production):
    for response in (production.get("/_status"), production.get("/", status=302),
                     production.get("/nowhere", status=404), production.get("/sign-in")):
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert_nosniff(response)


def test_production_urls_come_from_the_public_url_not_host(production):
    forged = {"Host": "evil.example"}
    assert production.get("/", headers=forged, status=302).location == (
        "https://backdrop.example/sign-in"
    )
    authorize = production.get("/sign-in", headers=forged, status=302).location
    assert "redirect_uri=https%3A%2F%2Fbackdrop.example%2Fsign-in%2Fcallback" in authorize
    assert "evil" not in authorize


def test_without_a_public_url_urls_use_the_servers_own_name_not_host(app):
    forged = {"Host": "evil.example:8080"}
    assert app.get("/", headers=forged, status=302).location == "http://localhost/sign-in"
    authorize = app.get("/sign-in", headers=forged, status=302).location
    assert "redirect_uri=http%3A%2F%2Flocalhost%2Fsign-in%2Fcallback" in authorize


def test_a_configured_public_url_names_every_link(make_app, store):
    app = make_app(**{"backdrop.public_url": "https://admin.example:8443/"})
    store.save_user("ada@example.com", [])
    signed_in = app.get("/_test/sign-in", {"email": "ada@example.com"},
                        headers={"Host": "evil.example"}, status=302)
    assert signed_in.location == "https://admin.example:8443/"
    cookie = signed_in.headers["Set-Cookie"].split(";")[0]
    home = app.get("/", headers={"Host": "evil.example", "Cookie": cookie})
    assert "evil.example" not in home.text
    assert 'href="https://admin.example:8443/sign-out"' in home.text


@pytest.mark.parametrize("url", ["ftp://x.example", "https://", "https://x.example/admin",
                                 "x.example"])
def test_a_public_url_that_is_not_a_site_address_is_refused(make_app, url):
    with pytest.raises(SystemExit, match="backdrop.public_url must be"):
        make_app(**{"backdrop.public_url": url})


def test_defusedxml_is_declared_and_openpyxl_parses_with_it():
    """Finding 8: XML safety must not rest on a dependency that merely happens to be there."""
    from importlib.metadata import requires

    import openpyxl.xml

    declared = {requirement.split(">")[0].split("=")[0].strip().lower()
                for requirement in requires("backdrop") if "extra ==" not in requirement}
    assert "defusedxml" in declared
    assert openpyxl.xml.DEFUSEDXML is True
