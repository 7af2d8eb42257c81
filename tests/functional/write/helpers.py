"""Small helpers shared by the write-API tests."""
from backdrop.query import Query

ERROR_KEYS = {"status", "message"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def snapshot(store, name):
    """Everything a rejected request must leave untouched: count and raw records."""
    return store.count(name), store.raw(name, Query())


def records(store, name):
    return store.raw(name, Query())


def assert_error(response, status, message=None):
    """A JSON error of SPEC 2.1 with ``status``, never cached; ``message`` exact when given."""
    assert response.status_int == status, response.body
    assert response.content_type == "application/json"
    assert response.headers.get("Cache-Control") == "no-cache"
    body = response.json
    assert body["status"] == "error"
    assert isinstance(body["message"], str) and body["message"].strip()
    if message is not None:
        assert body["message"] == message
    return body["message"]


def event(**fields):
    """A valid events record."""
    return {"_timestamp": "2014-01-02T03:04:05Z", **fields}
