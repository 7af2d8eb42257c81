"""The ``store`` fixture: every backend, so one contract suite checks them all.

* ``sqlite``: a real SQLite file in the test's temp dir.
* ``mongodb``: a real server at ``BACKDROP_TEST_MONGO_URL`` (a fresh database
  per test, dropped afterwards), or, when that variable is unset,
  ``mongomock``: an in-process stand-in, not a server. The test ids and the
  report header say which one ran.
"""
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from backdrop.store import create_store

MONGO_URL_VARIABLE = "BACKDROP_TEST_MONGO_URL"


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
    return mongo_description()


def pytest_terminal_summary(terminalreporter):
    # The header hook only runs when this directory is named on the command
    # line; the summary line always shows which MongoDB the suite met.
    terminalreporter.write_line(mongo_description())


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


@pytest.fixture(params=["sqlite", mongo_backend()])
def store(request, tmp_path):
    if request.param == "sqlite":
        store = create_store(f"sqlite:///{tmp_path}/store.db")
        yield store
        store.close()
    else:
        yield request.getfixturevalue("mongo_store")
