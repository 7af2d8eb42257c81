"""Read tests run on both backends; helpers load records through the write API.

Each SQLite test runs twice: with the columnar mirror answering (the default)
and with ``backdrop.read_engine = store``. The MongoDB backend meets a real
server when BACKDROP_TEST_MONGO_URL is set, and mongomock (a stand-in, not a
server) otherwise.
"""
import json

import pytest

from backdrop.records import INTERNAL_FIELDS
from tests.conftest import mongo_backend


def postable(record):
    """A fixture record without store-internal keys such as ``_week_start_at``."""
    return {k: v for k, v in record.items() if not k.startswith("_") or k in INTERNAL_FIELDS}


@pytest.fixture(params=["sqlite", "sqlite-store-engine", mongo_backend()])
def app(request, make_app):
    """The real app on a temp SQLite file (queries answered by the columnar mirror,
    the default, and again by the store itself), and on the MongoDB store."""
    if request.param == "sqlite":
        return make_app()
    if request.param == "sqlite-store-engine":
        return make_app(**{"backdrop.read_engine": "store"})
    return make_app(**{"backdrop.store": request.getfixturevalue("mongo_store")})


@pytest.fixture
def load(app, store, make_bucket):
    """``load(name, records, **config)``: create the bucket if needed and POST the records."""
    tokens = {}

    def load(name, records, **config):
        if name not in tokens:
            tokens[name] = make_bucket(name, **config)
        if isinstance(records, dict):
            records = [records]
        if records:
            app.post_json(
                f"/{name}", [postable(r) for r in records],
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
        return tokens[name]

    return load


@pytest.fixture
def load_fixture(load, fixture_path):
    def load_fixture(name, fixture, **config):
        return load(name, json.loads(fixture_path(fixture).read_text()), **config)

    return load_fixture
