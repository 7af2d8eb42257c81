"""Finding 5: no bare waitress 500s. Values too long for a cookie never reach it,
and should one still not fit, the answer is our page, with our headers.

Through a real waitress server (its own process): a failure in pyramid's
cookie layer happens after every view has run, where only waitress sees it.
"""
import pytest
import requests

from backdrop.store import create_store
from tests.support.served import ServedApp, admin_settings
from tests.support.signon import SignonServer

ADMIN_HEADERS = {"X-Frame-Options": "SAMEORIGIN", "Cache-Control": "private, must-revalidate",
                 "X-Content-Type-Options": "nosniff"}


def assert_our_page(response, status):
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/html")
    for name, value in ADMIN_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "Backdrop admin" in response.text


@pytest.fixture(scope="module")
def signon():
    with SignonServer() as server:
        yield server


@pytest.fixture(scope="module")
def served(tmp_path_factory, signon):
    tmp_path = tmp_path_factory.mktemp("cookies")
    url = f"sqlite:///{tmp_path}/backdrop.db"
    settings = admin_settings(url, **{"backdrop.oauth.base_url": signon.base_url})
    store = create_store(url)
    store.save_user("ada@example.com", [])
    with ServedApp(settings, tmp_path) as app:
        yield app
    store.close()


def test_a_5000_character_display_name_signs_in_with_the_name_shortened(served, signon):
    signon.user["name"] = "A" * 5000
    try:
        home = requests.Session().get(f"{served.url}/sign-in", timeout=30)
    finally:
        signon.user["name"] = "Ada Lovelace"
    assert_our_page(home, 200)
    assert home.url == f"{served.url}/"
    assert "Signed in as" in home.text and "A" * 99 + "…" in home.text
    assert "A" * 101 not in home.text


def test_a_5000_character_return_path_is_not_kept(served):
    browser = requests.Session()
    response = browser.get(f"{served.url}/", params={"q": "x" * 5000}, allow_redirects=False,
                           timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{served.url}/sign-in"
    for name, value in ADMIN_HEADERS.items():
        assert response.headers.get(name) == value, name
    signed_in = browser.get(f"{served.url}/_test/sign-in", params={"email": "ada@example.com"},
                            allow_redirects=False, timeout=30)
    assert signed_in.headers["Location"] == f"{served.url}/"  # the path itself was kept


def test_a_session_that_cannot_fit_a_cookie_is_our_error_page(served):
    # 245 characters outside the BMP: a valid address, but over 4 KB once signed and encoded.
    email = "\U0001F600" * 240 + "@x.example"
    browser = requests.Session()
    response = browser.get(f"{served.url}/_test/sign-in", params={"email": email},
                           allow_redirects=False, timeout=30)
    assert_our_page(response, 500)
    assert "could not keep your session" in response.text
    assert "Location" not in response.headers
    assert browser.get(f"{served.url}/", allow_redirects=False, timeout=30).status_code == 302


def test_the_sign_in_redirect_carries_the_admin_headers(served):
    response = requests.get(f"{served.url}/sign-in", allow_redirects=False, timeout=30)
    assert response.status_code == 302
    for name, value in ADMIN_HEADERS.items():
        assert response.headers.get(name) == value, name


def test_a_wrong_method_on_an_admin_page_is_our_page(served):
    assert_our_page(requests.put(f"{served.url}/sign-out", timeout=30), 404)
