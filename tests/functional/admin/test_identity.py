"""Finding 3: identities are compared without Unicode case folding merging addresses.

Signon may hold ``\\u212aelvin@example.com`` (KELVIN SIGN) and
``kelvin@example.com`` as two accounts; ``str.lower`` (and NFC) would make
the first the second. The rule (``backdrop.identity``): the address must be
in NFC already, and only ASCII letters are lower-cased.
"""
from pathlib import Path

import pytest

from tests.support.cli import run

from .test_oauth import authorize, callback_path

KELVIN_SIGN = "\u212aelvin@example.com"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def kelvins_bucket(make_bucket, store):
    make_bucket("foo")
    store.save_user("kelvin@example.com", ["foo"])


def test_a_kelvin_sign_address_from_signon_does_not_open_kelvins_bucket(
    signon_app, signon, kelvins_bucket
):
    signon.user["email"] = KELVIN_SIGN
    response = signon_app.get(callback_path(authorize(signon_app)), status=403)
    assert "cannot sign this account in" in response.text
    assert "normal form NFC" in response.text
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    signon_app.get("/foo/upload", status=302)  # not signed in at all


def test_the_test_sign_in_route_uses_the_same_rule(app, kelvins_bucket):
    response = app.get("/_test/sign-in", {"email": KELVIN_SIGN}, status=403)
    assert "normal form NFC" in response.text
    app.get("/foo/upload", status=302)


def test_a_long_s_address_is_its_own_user(app, make_bucket, store):
    """LONG S is NFC already, so it signs in, as itself: ``casefold`` would make it ``s``."""
    make_bucket("foo")
    store.save_user("sam@example.com", ["foo"])
    app.get("/_test/sign-in", {"email": "\u017fam@EXAMPLE.com"}, status=302)
    app.get("/foo/upload", status=404)
    store.save_user("\u017fam@example.com", ["foo"])
    app.get("/foo/upload", status=200)


def test_ascii_letters_still_compare_without_case(app, make_bucket, store):
    make_bucket("foo")
    store.save_user("grace@example.com", ["foo"])
    app.get("/_test/sign-in", {"email": " Grace@Example.COM "}, status=302)
    app.get("/foo/upload", status=200)


def test_an_over_long_address_is_refused(app):
    response = app.get("/_test/sign-in", {"email": "a" * 5000 + "@example.com"}, status=403)
    assert "longer than 254 characters" in response.text


@pytest.mark.parametrize("given, kept", [
    ("Ada@Example.com", "ada@example.com"),
    ("\u017fam@example.com", "\u017fam@example.com"),
    ("ÉCOLE@example.com", "École@example.com"),
    ("\u0130stanbul@example.com", "\u0130stanbul@example.com"),
])
def test_only_ascii_letters_are_lower_cased(given, kept):
    from backdrop.identity import normalise_email

    assert normalise_email(given) == kept


@pytest.mark.parametrize("email", [KELVIN_SIGN, "E\u0301cole@example.com", "", None, 7])
def test_addresses_that_cannot_be_compared_safely_are_refused(email):
    from backdrop.identity import IdentityError, normalise_email

    with pytest.raises(IdentityError):
        normalise_email(email)


def test_the_command_line_uses_the_same_rule(capsys, tmp_path, monkeypatch):
    from backdrop.store import create_store

    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)
    store = create_store(url)
    try:
        ini = str(ROOT / "ini" / "admin.ini")
        run(capsys, "create-bucket", ini, "foo")
        code, _, err = run(capsys, "create-user", ini, KELVIN_SIGN, "--bucket", "foo")
        assert code == 1 and "normal form NFC" in err
        assert run(capsys, "create-user", ini, "\u017fam@example.com", "--bucket", "foo")[0] == 0
        assert [user["email"] for user in store.list_users()] == ["\u017fam@example.com"]
    finally:
        store.close()
