"""The whole OAuth2 sign-in against the test Signon server, a real HTTP server.

WebTest plays the browser for our app; ``requests`` plays it for the
provider, so the provider's redirect back carries a real code and state.
"""
from urllib.parse import parse_qs, urlsplit

import requests

from backdrop.admin.signon import SignonProvider


def authorize(app):
    """``/sign-in`` then the provider's authorize step; the callback URL it sends us to."""
    to_provider = app.get("/sign-in", status=302).location
    back = requests.get(to_provider, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    return back.headers["Location"]


def callback_path(url):
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "/sign-in/callback")
    return f"{parts.path}?{parts.query}"


def test_sign_in_sends_the_user_to_the_providers_authorize_url(signon_app, signon):
    location = signon_app.get("/sign-in", status=302).location
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{signon.base_url}/oauth/authorize"
    query = parse_qs(parts.query)
    assert query["client_id"] == ["test-client"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost/sign-in/callback"]


def test_full_flow_signs_the_user_in(signon_app, signon, store):
    store.save_user("ada@example.com", [])
    signon_app.get("/", status=302)  # remember where we were going
    response = signon_app.get(callback_path(authorize(signon_app)), status=302)
    assert response.location == "http://localhost/"
    assert signon.requests == [
        ("GET", "/oauth/authorize"), ("POST", "/oauth/token"), ("GET", "/user.json"),
    ]
    home = response.follow(status=200)
    assert "Signed in as Ada Lovelace" in home.text
    assert "ada@example.com" in home.text


def test_signed_in_user_reaches_granted_buckets_only(signon_app, signon, plugins):
    from backdrop.buckets import new_config

    app_store = signon_app.app.registry["backdrop.store"]
    for name in ("mine", "theirs"):
        app_store.create_bucket(new_config(name, {}, plugins)[0])
    signon.user["email"] = "Grace@Example.com"  # emails are matched case-insensitively
    app_store.save_user("grace@example.com", ["mine"])
    signon_app.get(callback_path(authorize(signon_app)), status=302)
    signon_app.get("/mine/upload", status=200)
    signon_app.get("/theirs/upload", status=404)


def test_user_without_signin_permission_lands_on_not_authorized(signon_app, signon):
    signon.user["permissions"] = ["other_app"]
    response = signon_app.get(callback_path(authorize(signon_app)), status=302)
    assert response.location == "http://localhost/not-authorized"
    page = response.follow(status=403)
    assert "not authorized" in page.text
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    signon_app.get("/", status=302)  # still not signed in


def test_token_endpoint_error_is_a_sign_in_failed_page(signon_app, signon):
    signon.token_error = (401, "invalid_grant")
    response = signon_app.get(callback_path(authorize(signon_app)), status=502)
    assert response.content_type == "text/html"
    assert "Sign-in failed" in response.text
    assert "/oauth/token answered 401 invalid_grant" in response.text
    assert ("GET", "/user.json") not in signon.requests
    signon_app.get("/", status=302)


def test_token_endpoint_server_error_is_handled(signon_app, signon):
    signon.token_error = (500, "server_error")
    response = signon_app.get(callback_path(authorize(signon_app)), status=502)
    assert "Sign-in failed" in response.text


def test_unreachable_provider_is_handled(app):
    # The default test settings point at a port where nothing listens.
    location = app.get("/sign-in").location
    state = parse_qs(urlsplit(location).query)["state"][0]
    response = app.get("/sign-in/callback", {"code": "x", "state": state}, status=502)
    assert "cannot reach the sign-in provider" in response.text


def test_callback_with_a_wrong_state_is_refused(signon_app, signon):
    url = authorize(signon_app)
    query = parse_qs(urlsplit(url).query)
    response = signon_app.get(
        "/sign-in/callback", {"code": query["code"][0], "state": "forged"}, status=400
    )
    assert "state does not match" in response.text
    assert ("POST", "/oauth/token") not in signon.requests


def test_callback_without_a_sign_in_is_refused(signon_app):
    signon_app.get("/sign-in/callback", {"code": "x", "state": "y"}, status=400)


def test_state_is_single_use(signon_app, signon):
    path = callback_path(authorize(signon_app))
    signon_app.get(path, status=302)
    signon_app.get("/sign-out")
    signon_app.get(path, status=400)


def test_provider_denial_is_shown(signon_app):
    location = signon_app.get("/sign-in").location
    state = parse_qs(urlsplit(location).query)["state"][0]
    response = signon_app.get(
        "/sign-in/callback", {"error": "access_denied", "state": state}, status=403
    )
    assert "access_denied" in response.text


def test_sign_in_starts_a_new_session(signon_app, signon):
    signon_app.get("/sign-in")
    before = signon_app.cookies["backdrop_admin"]
    signon_app.get(callback_path(authorize(signon_app)), status=302)
    assert signon_app.cookies["backdrop_admin"] != before


def test_provider_settings_come_from_the_environment(make_app, monkeypatch, signon):
    monkeypatch.setenv("BACKDROP_OAUTH_BASE_URL", signon.base_url + "/")
    monkeypatch.setenv("BACKDROP_OAUTH_CLIENT_ID", "env-client")
    monkeypatch.setenv("BACKDROP_OAUTH_CLIENT_SECRET", "env-secret")
    app = make_app()
    provider = app.app.registry.velruse_providers["signon"]
    assert isinstance(provider, SignonProvider)
    assert (provider.base_url, provider.client_id, provider.client_secret) == (
        signon.base_url, "env-client", "env-secret"
    )
    assert "client_id=env-client" in app.get("/sign-in").location
