"""The ``store`` fixture: every backend, so one contract suite checks them all.

* ``sqlite``: a real SQLite file in the test's temp dir.
* ``mirror``: the same, with aggregates and time bounds answered by the
  read role's columnar mirror (DuckDB) following the SQLite store's feed.
* ``mirror-merging``: the mirror kept one insert behind, so reads after an
  insert are answered from its rows merged with the store's answer over the
  rows appended since (``backdrop.mirror.appended``).
* ``mongodb``: a real server at ``BACKDROP_TEST_MONGO_URL`` (a fresh database
  per test, dropped afterwards), or, when that variable is unset,
  ``mongomock``: an in-process stand-in, not a server. The test ids and the
  report header say which one ran.
"""
import pytest

from backdrop.store import create_store
from tests.conftest import mongo_backend, mongo_description
from tests.support.mirrored import MirroredStore


def pytest_terminal_summary(terminalreporter):
    # The header hook only runs when this directory is named on the command
    # line; the summary line always shows which MongoDB the suite met.
    terminalreporter.write_line(mongo_description())


@pytest.fixture(params=["sqlite", "mirror", "mirror-merging", mongo_backend()])
def store(request, tmp_path):
    if request.param in ("sqlite", "mirror", "mirror-merging"):
        path = tmp_path / "store.db"
        store = create_store(f"sqlite:///{path}") if request.param == "sqlite" else (
            MirroredStore(path, merging=request.param == "mirror-merging"))
        yield store
        store.close()
    else:
        yield request.getfixturevalue("mongo_store")
