"""DELETE and PATCH through the real app, on every engine that answers reads.

``sqlite``: a temp SQLite file, reads answered by the columnar mirror (the
default); ``sqlite-store-engine``: the same file read by the store itself;
and the MongoDB store (a real server with BACKDROP_TEST_MONGO_URL, else
mongomock). Each test checks what it changed through the read API.
"""
import pytest

from tests.functional.read import conftest as read_suite
from tests.functional.write.helpers import bearer

app = read_suite.app  # the same fixture: every engine that answers reads


@pytest.fixture
def bucket(app, make_bucket):
    """``bucket(name, records, **config)``: create a readable bucket holding ``records``;
    returns the headers that authorise writes to it."""

    def bucket(name, records=(), **config):
        headers = bearer(make_bucket(name, raw_queries_allowed=True, **config))
        if records:
            app.post_json(f"/{name}", list(records), headers=headers)
        return headers

    return bucket


def read(app, path):
    """The ``data`` of a read (``path`` includes the query string)."""
    return app.get(path).json["data"]


def ids(app, name, query=""):
    return [record["_id"] for record in read(app, f"/{name}{query}")]
