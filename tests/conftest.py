"""Shared fixtures: the real app on a real SQLite file in a temp dir."""
import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from webtest import TestApp

from backdrop import main
from backdrop.buckets import new_config

FIXTURES = Path(__file__).parent / "fixtures"
ADMIN_TOKEN = "test-admin-token-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Developer BACKDROP_* variables must not leak into tests."""
    for name in list(os.environ):
        if name.startswith("BACKDROP_") and name != "BACKDROP_TEST_MONGO_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "backdrop.db"


@pytest.fixture
def settings(db_path):
    return {
        "backdrop.roles": "read write admin",
        "backdrop.store_url": f"sqlite:///{db_path}",
        "backdrop.admin_token": ADMIN_TOKEN,
        "backdrop.session_secret": "test-session-secret-0123456789abcdef",
        "backdrop.load_entry_points": "false",
        "backdrop.test_sign_in": "true",
        "backdrop.oauth.base_url": "http://127.0.0.1:9/",
        "backdrop.oauth.client_id": "test-client",
        "backdrop.oauth.client_secret": "test-secret",
    }


@pytest.fixture
def make_app(settings):
    """Build a TestApp from the test settings with ``overrides``."""
    apps = []

    def make(**overrides):
        test_app = TestApp(main({}, **{**settings, **overrides}))
        apps.append(test_app)
        return test_app

    yield make
    for test_app in apps:
        registry = test_app.app.registry
        engine = registry.get("backdrop.read_engine")
        if engine is not None and engine is not registry["backdrop.store"]:
            engine.close()
        registry["backdrop.store"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def store(app):
    return app.app.registry["backdrop.store"]


@pytest.fixture
def plugins(app):
    return app.app.registry["backdrop.plugins"]


@pytest.fixture
def make_bucket(store, plugins):
    """Create a bucket straight in the store; returns its bearer token."""

    def make(name, **fields):
        config, token = new_config(name, fields, plugins)
        store.create_bucket(config)
        return token

    return make


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


# -- MongoDB: a real server when BACKDROP_TEST_MONGO_URL is set, else mongomock --------
MONGO_URL_VARIABLE = "BACKDROP_TEST_MONGO_URL"


def pytest_configure(config):
    """mongomock lacks ``$setWindowFields`` (percentiles); the stand-in is in ``mongo_fakes``."""
    from tests.store.mongo_fakes import install_window_fields

    install_window_fields()


def mongo_backend():
    """``"mongodb"`` when a real server is configured, else ``"mongomock"``."""
    return "mongodb" if os.environ.get(MONGO_URL_VARIABLE) else "mongomock"


def mongo_description():
    if mongo_backend() == "mongodb":
        return "MongoDB contract tests: real server from BACKDROP_TEST_MONGO_URL"
    return (
        "MongoDB contract tests: mongomock stand-in "
        "(set BACKDROP_TEST_MONGO_URL for a real server)"
    )


def pytest_report_header(config):
    """Say in every run whether the MongoDB backend met a real server or the stand-in."""
    return mongo_description()


def _with_database(url, database):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


@pytest.fixture
def mongo_store():
    """A MongoStore on a database of its own, dropped after the test."""
    import mongomock
    import pymongo

    from backdrop.store.mongo import MongoStore

    database = "backdrop_test_" + uuid.uuid4().hex[:12]
    server = os.environ.get(MONGO_URL_VARIABLE)
    if server:
        url = _with_database(server, database)
        client = pymongo.MongoClient(server, serverSelectionTimeoutMS=5000)
    else:
        url = f"mongomock://localhost/{database}"
        client = mongomock.MongoClient()
    store = MongoStore(url, client=client)
    yield store
    client.drop_database(database)
    client.close()
