"""Admin fixtures: a signed-in browser session, uploads, and a real Signon server."""
import pytest

from tests.support.signon import SignonServer

USER = "ada@example.com"


@pytest.fixture
def sign_in(app, store):
    """Grant ``email`` the ``buckets`` and sign them in through ``/_test/sign-in``."""

    def sign_in(*buckets, email=USER, name="Ada Lovelace", test_app=None):
        test_app = test_app or app
        store.save_user(email, list(buckets))
        test_app.get("/_test/sign-in", {"email": email, "name": name}, status=302)
        return test_app

    return sign_in


@pytest.fixture
def upload(app):
    """Post a file through the upload form of ``bucket`` (CSRF token included)."""

    def upload(bucket, filename, content, content_type="text/csv", status=200, test_app=None):
        test_app = test_app or app
        form = test_app.get(f"/{bucket}/upload").forms[0]
        if filename is not None:
            form["file"] = (filename, content, content_type)
        return form.submit(status=status)

    return upload


@pytest.fixture
def signon():
    with SignonServer() as server:
        yield server


@pytest.fixture
def signon_app(make_app, signon):
    """The app signing in against the real test Signon server."""
    return make_app(**{"backdrop.oauth.base_url": signon.base_url})
