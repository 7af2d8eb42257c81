"""SPEC 2.3, the body: content type, encodings, size limits and JSON parsing.

Every rejected request must leave the bucket exactly as it was.
"""
import gzip
import io
import json
import tracemalloc

import pytest
from webtest import TestRequest

from .helpers import assert_error, bearer, event, records, snapshot

MIB = 1024 * 1024
ERROR_PARSING = "Error parsing JSON: "


def _post(app, token, body, content_type="application/json", path="/seeded", method="POST", **headers):
    headers = {**bearer(token), **headers}
    if content_type is not None:
        headers["Content-Type"] = content_type
    call = app.post if method == "POST" else app.put
    return call(path, body, headers=headers, expect_errors=True)


def _small_app(make_app, **limits):
    return make_app(**{f"backdrop.{name}": str(value) for name, value in limits.items()})


def _padded(size):
    """A valid one-record JSON body of exactly ``size`` bytes."""
    body = json.dumps(event(n=1)).encode()
    return body + b" " * (size - len(body))


@pytest.fixture
def unchanged(store, seeded):
    """Assert after the test that the seeded bucket was not touched."""
    before = snapshot(store, "seeded")
    yield seeded
    assert snapshot(store, "seeded") == before


# -- Content-Type and Content-Encoding ---------------------------------------

@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "text/json", "application/jsonx"],
)
def test_wrong_content_type_is_415(app, unchanged, content_type):
    response = _post(app, unchanged, json.dumps(event(n=3)), content_type=content_type)
    message = assert_error(response, 415)
    assert "content-type" in message.lower() or "application/json" in message
    assert response.headers["Cache-Control"] == "no-cache"


def test_media_types_are_case_insensitive(app, store, seeded):
    """RFC 9110 8.3.1: type and subtype are case-insensitive tokens."""
    response = _post(app, seeded, json.dumps(event(n=3)), content_type="Application/JSON")
    assert response.status_int == 200, response.body
    assert store.count("seeded") == 3


def test_content_type_parameters_are_fine(app, store, seeded):
    response = _post(app, seeded, json.dumps(event(n=3)), content_type="application/json; charset=utf-8")
    assert response.status_int == 200
    assert store.count("seeded") == 3


@pytest.mark.parametrize("encoding", ["deflate", "br", "compress", "zstd", "gzip, deflate", "x-unknown"])
def test_unsupported_content_encoding_is_415(app, unchanged, encoding):
    body = json.dumps(event(n=3)).encode()
    response = _post(app, unchanged, body, **{"Content-Encoding": encoding})
    message = assert_error(response, 415)
    assert "encoding" in message.lower()


def test_gzip_body_is_accepted(app, store, seeded):
    body = gzip.compress(json.dumps([event(n=3), event(n=4)]).encode())
    response = _post(app, seeded, body, **{"Content-Encoding": "gzip"})
    assert response.status_int == 200
    assert response.json == {"status": "ok", "count": 2}
    assert sorted(r["n"] for r in records(store, "seeded")) == [1, 2, 3, 4]


def test_gzip_single_object_is_accepted_on_put(app, store, seeded):
    body = gzip.compress(json.dumps(event(n=7)).encode())
    response = _post(app, seeded, body, method="PUT", **{"Content-Encoding": "gzip"})
    assert response.json == {"status": "ok", "count": 1}
    assert store.count("seeded") == 1


@pytest.mark.parametrize(
    "body",
    [b"not gzip at all", gzip.compress(b'[{"n": 1}]')[:-12], gzip.compress(b'{"n": 1}')[:10]],
    ids=["not-gzip", "truncated", "header-only"],
)
def test_broken_gzip_is_400(app, unchanged, body):
    message = assert_error(_post(app, unchanged, body, **{"Content-Encoding": "gzip"}), 400)
    assert message.startswith("Error parsing gzip body: ")


def test_gzip_of_invalid_json_is_400_error_parsing(app, unchanged):
    response = _post(app, unchanged, gzip.compress(b"{nope"), **{"Content-Encoding": "gzip"})
    assert assert_error(response, 400).startswith(ERROR_PARSING)


# -- size limits --------------------------------------------------------------

def test_gzip_bomb_is_413_without_inflating_it_all(app, unchanged, fixture_path):
    bomb = fixture_path("gzip-bomb.gz").read_bytes()
    inflated = 100 * MIB  # what the fixture inflates to
    tracemalloc.start()
    try:
        response = _post(app, unchanged, bomb, **{"Content-Encoding": "gzip"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_error(response, 413)
    assert peak < inflated / 3, f"peak {peak / MIB:.1f} MiB: the bomb was inflated"


def test_gzip_bomb_memory_follows_the_configured_limit(make_app, store, seeded, fixture_path):
    app = _small_app(make_app, max_inflated_bytes=MIB)
    before = snapshot(store, "seeded")
    bomb = fixture_path("gzip-bomb.gz").read_bytes()
    tracemalloc.start()
    try:
        response = _post(app, seeded, bomb, **{"Content-Encoding": "gzip"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_error(response, 413)
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB with a 1 MiB limit"
    assert snapshot(store, "seeded") == before


def test_gzip_inflating_past_the_limit_is_413(make_app, store, seeded):
    app = _small_app(make_app, max_inflated_bytes=1000)
    before = snapshot(store, "seeded")
    body = gzip.compress(_padded(1001))
    assert_error(_post(app, seeded, body, **{"Content-Encoding": "gzip"}), 413)
    assert _post(app, seeded, gzip.compress(_padded(1000)), **{"Content-Encoding": "gzip"}).status_int == 200
    assert snapshot(store, "seeded")[0] == before[0] + 1


def test_small_gzip_body_may_inflate_past_the_raw_body_limit(make_app, store, seeded):
    """The raw limit applies to the bytes sent, the inflated limit to the inflated body."""
    app = _small_app(make_app, max_body_bytes=2000)
    payload = json.dumps([event(n=i, note="x" * 50) for i in range(200)]).encode()
    body = gzip.compress(payload)
    assert len(body) < 2000 < len(payload)
    response = _post(app, seeded, body, **{"Content-Encoding": "gzip"})
    assert response.json == {"status": "ok", "count": 200}


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_body_over_the_limit_is_413(make_app, store, seeded, method):
    app = _small_app(make_app, max_body_bytes=1000)
    before = snapshot(store, "seeded")
    assert_error(_post(app, seeded, _padded(1001), method=method), 413)
    assert snapshot(store, "seeded") == before


def test_body_at_the_limit_is_accepted(make_app, store, seeded):
    app = _small_app(make_app, max_body_bytes=1000)
    assert _post(app, seeded, _padded(1000)).json == {"status": "ok", "count": 1}
    assert store.count("seeded") == 3


class _EndlessBody:
    """A chunked request body that never ends; counts how much the server read."""

    def __init__(self, head=b"[", filler=b" "):
        self.head = head
        self.filler = filler
        self.read_bytes = 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = 100 * MIB  # a server that reads everything reads a lot
        chunk = (self.head + self.filler * size)[:size]
        self.head = b""
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size if size and size > 0 else 64 * 1024)

    def readlines(self, hint=-1):
        return [self.readline()]

    def __iter__(self):
        return iter(self.readline, b"")


def _chunked(app, token, stream, path="/seeded", method="POST"):
    headers = {**bearer(token), "Content-Type": "application/json"}
    request = TestRequest.blank(path, method=method, headers=headers)
    request.environ.pop("CONTENT_LENGTH", None)
    request.environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.environ["wsgi.input"] = stream
    request.environ["wsgi.input_terminated"] = True
    return app.do_request(request, expect_errors=True)


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_chunked_body_is_held_to_the_limit(make_app, store, seeded, method):
    app = _small_app(make_app, max_body_bytes=1000)
    before = snapshot(store, "seeded")
    stream = _EndlessBody()
    response = _chunked(app, seeded, stream, method=method)
    assert_error(response, 413)
    assert stream.read_bytes < 1000 + 128 * 1024, "the server read far past the limit"
    assert snapshot(store, "seeded") == before


def test_chunked_body_under_the_limit_is_accepted(make_app, store, seeded):
    app = _small_app(make_app, max_body_bytes=1000)
    response = _chunked(app, seeded, io.BytesIO(json.dumps([event(n=5), event(n=6)]).encode()))
    assert response.json == {"status": "ok", "count": 2}
    assert store.count("seeded") == 4


def test_chunked_body_over_the_default_limit_is_413(app, unchanged):
    stream = _EndlessBody()
    assert_error(_chunked(app, unchanged, stream), 413)
    assert stream.read_bytes < 11 * MIB


def test_batch_over_the_record_limit_is_413(make_app, store, seeded):
    app = _small_app(make_app, max_batch_records=3)
    before = snapshot(store, "seeded")
    for method in ("POST", "PUT"):
        response = _post(app, seeded, json.dumps([event(n=i) for i in range(4)]), method=method)
        assert_error(response, 413)
        assert snapshot(store, "seeded") == before
    response = _post(app, seeded, json.dumps([event(n=i) for i in range(3)]))
    assert response.json == {"status": "ok", "count": 3}


def test_default_batch_limit_is_100000(app, store, seeded):
    response = _post(app, seeded, json.dumps([{}] * 100_001))
    assert_error(response, 413)
    assert store.count("seeded") == 2


# -- parsing ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_empty_body_is_400_with_the_exact_message(app, unchanged, method):
    response = _post(app, unchanged, b"", method=method)
    assert_error(response, 400, "Expected JSON request body but received zero bytes.")


def test_empty_gzip_body_is_the_empty_body_error(app, unchanged):
    response = _post(app, unchanged, gzip.compress(b""), **{"Content-Encoding": "gzip"})
    assert_error(response, 400, "Expected JSON request body but received zero bytes.")


@pytest.mark.parametrize(
    "body",
    [b"{", b"not json", b"{'a': 1}", b'{"a": 1,}', b'[{"a": 1}] trailing', b"\xff\xfe\xfa", b'{"a": "\xff"}'],
)
def test_not_json_is_400_error_parsing(app, unchanged, body):
    message = assert_error(_post(app, unchanged, body), 400)
    assert message.startswith(ERROR_PARSING)
    assert len(message) > len(ERROR_PARSING), "the detail is missing"


@pytest.mark.parametrize("depth", [100_000, 5_000])
@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_nesting_too_deep_is_400_not_500(app, unchanged, depth, opener, closer):
    body = opener * depth + closer * depth
    assert assert_error(_post(app, unchanged, body), 400).startswith(ERROR_PARSING)


def test_unterminated_deep_nesting_is_400(app, unchanged):
    assert assert_error(_post(app, unchanged, "[" * 100_000), 400).startswith(ERROR_PARSING)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers_are_400(app, unchanged, literal):
    body = '{"_timestamp": "2014-01-02T03:04:05Z", "n": ' + literal + "}"
    message = assert_error(_post(app, unchanged, body), 400)
    assert message.startswith(ERROR_PARSING) or "n must be a finite number" in message


@pytest.mark.parametrize(
    "body",
    ['"a string"', "42", "null", "true", "[1, 2]", "[[]]",
     '[{"_timestamp": "2014-01-02T03:04:05Z"}, 2]', '[{"_timestamp": "2014-01-02T03:04:05Z"}, null]'],
)
def test_body_must_be_an_object_or_an_array_of_objects(app, unchanged, body):
    message = assert_error(_post(app, unchanged, body), 400)
    assert "object" in message


def test_error_responses_are_json_with_no_cache(app, unchanged):
    response = _post(app, unchanged, b"{")
    assert response.headers["Cache-Control"] == "no-cache"
    assert set(response.json) >= {"status", "message"}


def test_multi_member_gzip_is_inflated_whole(app, store, seeded):
    """RFC 1952 allows several gzip members in a row; gunzip joins them."""
    body = gzip.compress(b'[{"_timestamp": "2014-01-01", "n": 3},') + gzip.compress(
        b'{"_timestamp": "2014-01-01", "n": 4}]'
    )
    response = _post(app, seeded, body, **{"Content-Encoding": "gzip"})
    assert response.json == {"status": "ok", "count": 2}
    assert sorted(r["n"] for r in records(store, "seeded")) == [1, 2, 3, 4]


def test_integers_with_too_many_digits_are_400(app, unchanged):
    body = '{"_timestamp": "2014-01-01", "v": ' + "1" * 5000 + "}"
    assert_error(_post(app, unchanged, body), 400)
