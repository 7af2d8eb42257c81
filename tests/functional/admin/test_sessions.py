"""Finding 4: signing out ends the session on the server, and sessions have lifetimes.

A copy of the cookie taken before ``/sign-out`` must not open a page after
it; sessions end after ``backdrop.session_idle_seconds`` without a request
and ``backdrop.session_absolute_seconds`` after signing in, however busy.
"""
import time

import pytest
from pyramid.session import JSONSerializer
from webob.cookies import SignedSerializer
from webtest import TestApp

SECRET = "test-session-secret-0123456789abcdef"  # tests/conftest.py's settings
COOKIE_NAME = "backdrop_admin"


@pytest.fixture
def granted(make_bucket, store):
    make_bucket("foo")
    store.save_user("ada@example.com", ["foo"])
    store.save_user("bob@example.com", ["foo"])


def _browser(app, email="ada@example.com"):
    """Another browser on the same app, signed in as ``email``."""
    browser = TestApp(app.app)
    browser.get("/_test/sign-in", {"email": email}, status=302)
    return browser


def _with_cookie(app, value):
    browser = TestApp(app.app)
    browser.set_cookie(COOKIE_NAME, value)
    return browser


def test_a_cookie_copied_before_sign_out_no_longer_opens_pages(app, granted):
    app.get("/_test/sign-in", {"email": "ada@example.com"}, status=302)
    app.get("/foo/upload", status=200)
    copied = app.cookies[COOKIE_NAME]
    app.get("/sign-out", status=200)
    thief = _with_cookie(app, copied)
    assert thief.get("/", status=302).location == "http://localhost/sign-in"
    thief.get("/foo/upload", status=302)


def test_sign_out_ends_every_session_of_that_user_only(app, granted):
    laptop, phone, colleague = _browser(app), _browser(app), _browser(app, "bob@example.com")
    laptop.get("/sign-out", status=200)
    phone.get("/", status=302)
    colleague.get("/foo/upload", status=200)


def test_signing_in_again_after_sign_out_works(app, granted):
    browser = _browser(app)
    browser.get("/sign-out")
    browser.get("/_test/sign-in", {"email": "ada@example.com"}, status=302)
    assert "Signed in as" in browser.get("/", status=200).text


def _cookie(state, renewed, created=None):
    """A session cookie exactly as the app signs one (pyramid's serializer, the test secret)."""
    serializer = SignedSerializer(SECRET, "pyramid.session.", "sha512", serializer=JSONSerializer())
    return serializer.dumps((renewed, created or renewed, state)).decode()


def _session(email="ada@example.com", issued_at=None, generation=0):
    return {"user": {"email": email, "name": "Ada", "generation": generation,
                     "issued_at": int(issued_at if issued_at is not None else time.time())}}


def test_the_crafted_cookie_is_a_real_session(app, granted):
    """The control for the two lifetime tests: a fresh session made this way opens pages."""
    _with_cookie(app, _cookie(_session(), time.time())).get("/foo/upload", status=200)


def test_a_session_ends_after_the_idle_lifetime(make_app, granted):
    app = make_app(**{"backdrop.session_idle_seconds": "600"})
    now = time.time()
    _with_cookie(app, _cookie(_session(), now - 500)).get("/", status=200)
    _with_cookie(app, _cookie(_session(), now - 700)).get("/", status=302)


def test_a_session_ends_after_the_absolute_lifetime_however_busy(make_app, granted):
    app = make_app(**{"backdrop.session_absolute_seconds": "3600"})
    now = time.time()
    _with_cookie(app, _cookie(_session(issued_at=now - 3500), now)).get("/", status=200)
    browser = _with_cookie(app, _cookie(_session(issued_at=now - 3700), now))
    assert browser.get("/", status=302).location == "http://localhost/sign-in"


def test_a_session_of_an_earlier_generation_is_over(app, granted, store):
    store.end_sessions("ada@example.com")
    _with_cookie(app, _cookie(_session(generation=0), time.time())).get("/", status=302)
    _with_cookie(app, _cookie(_session(generation=1), time.time())).get("/", status=200)


def test_lifetimes_come_from_the_admin_ini(tmp_path, monkeypatch):
    from pathlib import Path

    from pyramid.paster import get_app

    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{tmp_path}/admin.db")
    app = get_app(str(Path(__file__).resolve().parents[3] / "ini" / "admin.ini"))
    try:
        settings = app.registry.settings
        assert settings["backdrop.session_idle_seconds"] == 4 * 60 * 60
        assert settings["backdrop.session_absolute_seconds"] == 12 * 60 * 60
    finally:
        app.registry["backdrop.store"].close()


def test_a_session_signed_in_the_future_is_refused_beyond_clock_skew(app, granted):
    now = time.time()
    _with_cookie(app, _cookie(_session(issued_at=now + 30), now)).get("/", status=200)
    _with_cookie(app, _cookie(_session(issued_at=now + 3600), now)).get("/", status=302)
