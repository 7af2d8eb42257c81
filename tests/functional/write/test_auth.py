"""SPEC 2.2: bearer tokens, the three distinct 401s, and 404 before 401."""
import pytest

from .helpers import assert_error, bearer, event, snapshot

PATHS = ["/seeded", "/data/grp/kind"]


def _write(app, method, path, headers):
    call = app.post_json if method == "POST" else app.put_json
    return call(path, [event(n=99)], headers=headers, expect_errors=True)


def _assert_401(response, *secrets):
    message = assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    everything = response.body.decode() + str(response.headers)
    for secret in secrets:
        assert secret not in everything
    return message


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("path", PATHS)
def test_missing_header_is_401(app, store, seeded, method, path):
    before = snapshot(store, "seeded")
    message = _assert_401(_write(app, method, path, {}), seeded)
    assert "missing" in message.lower()
    assert snapshot(store, "seeded") == before


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "Bearer a b", "abc"],
)
def test_malformed_header_is_401(app, store, seeded, method, path, header):
    before = snapshot(store, "seeded")
    message = _assert_401(_write(app, method, path, {"Authorization": header}), seeded)
    assert "bearer" in message.lower()
    assert snapshot(store, "seeded") == before


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("path", PATHS)
def test_wrong_token_is_401(app, store, seeded, method, path):
    before = snapshot(store, "seeded")
    wrong = "wrong-token-" + "x" * 30
    message = _assert_401(_write(app, method, path, bearer(wrong)), seeded, wrong)
    assert "token" in message.lower()
    assert snapshot(store, "seeded") == before


def test_another_buckets_token_is_401(app, store, seeded, make_bucket):
    other = make_bucket("other")
    before = snapshot(store, "seeded")
    _assert_401(_write(app, "POST", "/seeded", bearer(other)), seeded, other)
    assert snapshot(store, "seeded") == before
    assert store.count("other") == 0


def test_a_near_miss_token_is_401(app, store, seeded):
    """A prefix or an extension of the right token is still wrong."""
    for token in (seeded[:-1], seeded + "x", seeded.upper()):
        if token == seeded:
            continue
        _assert_401(_write(app, "POST", "/seeded", bearer(token)), seeded)
    assert store.count("seeded") == 2


def test_the_three_401_messages_say_which_it_was(app, seeded):
    messages = {
        _assert_401(_write(app, "POST", "/seeded", {}), seeded),
        _assert_401(_write(app, "POST", "/seeded", {"Authorization": "Basic abc"}), seeded),
        _assert_401(_write(app, "POST", "/seeded", bearer("not-the-token")), seeded),
    }
    assert len(messages) == 3


def test_the_right_token_writes(app, store, seeded):
    response = _write(app, "POST", "/seeded", bearer(seeded))
    assert response.status_int == 200
    assert store.count("seeded") == 3


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic abc"}, bearer("whatever-token")])
@pytest.mark.parametrize("path", ["/nosuchbucket", "/data/grp/nosuchtype", "/data/nosuchgroup/kind"])
def test_unknown_bucket_is_404_before_the_token(app, store, seeded, method, path, headers):
    before = store.list_buckets()
    response = _write(app, method, path, headers)
    assert_error(response, 404)
    assert "WWW-Authenticate" not in response.headers
    assert store.list_buckets() == before
    assert store.count("seeded") == 2


def test_unknown_bucket_is_404_even_with_a_valid_token_of_another_bucket(app, seeded):
    assert_error(_write(app, "POST", "/seededx", bearer(seeded)), 404)


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("path", ["/_private", "/_seeded", "/_", "/_status_x", "/_users"])
def test_reserved_underscore_names_are_404(app, store, seeded, method, path):
    before = store.list_buckets()
    response = _write(app, method, path, bearer(seeded))
    assert_error(response, 404)
    assert store.list_buckets() == before
    assert store.count("seeded") == 2


@pytest.mark.parametrize("path", ["/Seeded", "/seeded%20", "/" + "a" * 65])
def test_names_outside_the_pattern_are_404(app, seeded, path):
    assert_error(_write(app, "POST", path, bearer(seeded)), 404)
