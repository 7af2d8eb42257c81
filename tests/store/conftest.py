"""The ``store`` fixture: every backend, so one contract suite checks them all.

* ``sqlite``: a real SQLite file in the test's temp dir.
* ``mongodb``: a real server at ``BACKDROP_TEST_MONGO_URL`` (a fresh database
  per test, dropped afterwards), or, when that variable is unset,
  ``mongomock``: an in-process stand-in, not a server. The test ids and the
  report header say which one ran.
"""
import pytest

from backdrop.store import create_store
from tests.conftest import mongo_backend, mongo_description


def pytest_terminal_summary(terminalreporter):
    # The header hook only runs when this directory is named on the command
    # line; the summary line always shows which MongoDB the suite met.
    terminalreporter.write_line(mongo_description())


@pytest.fixture(params=["sqlite", mongo_backend()])
def store(request, tmp_path):
    if request.param == "sqlite":
        store = create_store(f"sqlite:///{tmp_path}/store.db")
        yield store
        store.close()
    else:
        yield request.getfixturevalue("mongo_store")
