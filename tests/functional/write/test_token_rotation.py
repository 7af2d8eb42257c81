"""SPEC 5: ``POST /data-sets/<name>/token`` and ``backdrop rotate-token`` give a new token."""
import pytest

from backdrop.buckets import token_matches
from tests.functional.test_cli import INI
from tests.support.cli import run

from .helpers import assert_error, bearer, event, snapshot
from .test_datasets import _call, _create


def _write(app, token, status):
    return app.post_json("/visits", [event(page="/")], headers=bearer(token), status=status)


def test_rotation_gives_a_new_token_once_and_refuses_the_old_at_once(app, store):
    old = _create(app, "visits").json["bearer_token"]
    _write(app, old, 200)
    response = _call(app, "POST", "/data-sets/visits/token")
    assert response.status_int == 200 and response.headers["Cache-Control"] == "no-cache"
    new = response.json["bearer_token"]
    assert new != old and len(new) >= 32
    assert response.json["name"] == "visits" and "token_hash" not in response.json
    assert_error(_write(app, old, 401), 401)
    _write(app, new, 200)
    assert store.count("visits") == 2
    # Never shown again.
    assert new not in _call(app, "GET", "/data-sets/visits").text
    assert new not in _call(app, "GET", "/data-sets").text


def test_each_rotation_gives_another_token(app):
    _create(app, "visits")
    tokens = {_call(app, "POST", "/data-sets/visits/token").json["bearer_token"] for _ in range(3)}
    assert len(tokens) == 3


def test_rotating_an_unknown_bucket_is_404(app):
    assert_error(_call(app, "POST", "/data-sets/nope/token"), 404,
                 'No data set exists with name "nope"')


@pytest.mark.parametrize("headers", [{}, bearer("not-the-admin-token")])
def test_rotation_needs_the_admin_token_and_changes_nothing(app, store, headers):
    old = _create(app, "visits").json["bearer_token"]
    response = _call(app, "POST", "/data-sets/visits/token", headers=headers)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert token_matches(old, store.get_bucket("visits")["token_hash"])


def test_a_bucket_token_cannot_rotate_itself(app, store):
    old = _create(app, "visits").json["bearer_token"]
    assert_error(_call(app, "POST", "/data-sets/visits/token", headers=bearer(old)), 401)
    _write(app, old, 200)


def test_other_methods_on_the_token_are_405(app):
    _create(app, "visits")
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        assert_error(_call(app, method, "/data-sets/visits/token"), 405)


def test_rotate_token_command(capsys, app, store, monkeypatch):
    monkeypatch.setenv("BACKDROP_STORE_URL", store.url)
    old = _create(app, "visits").json["bearer_token"]
    before = snapshot(store, "visits")
    code, out, _ = run(capsys, "rotate-token", INI, "visits")
    assert code == 0
    new = out.strip().rsplit(" ", 1)[1]
    assert token_matches(new, store.get_bucket("visits")["token_hash"])
    assert_error(_write(app, old, 401), 401)
    assert snapshot(store, "visits") == before
    _write(app, new, 200)
    code, _, err = run(capsys, "rotate-token", INI, "nope")
    assert code == 1 and 'No data set exists with name "nope"' in err
