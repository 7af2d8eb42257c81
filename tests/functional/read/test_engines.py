"""Which engine answers reads: the columnar mirror by default on SQLite, the store on request."""
import pytest

from backdrop import main
from backdrop.interfaces import IQueryEngine
from backdrop.mirror.engine import ColumnarMirror
from backdrop.store.sqlite import SQLiteStore


@pytest.fixture
def build(settings):
    built = []

    def build(**overrides):
        app = main({}, **{**settings, **overrides})
        built.append(app)
        return app.registry["backdrop.read_engine"]

    yield build
    for app in built:
        engine = app.registry["backdrop.read_engine"]
        if engine is not app.registry["backdrop.store"]:
            engine.close()
        app.registry["backdrop.store"].close()


def test_the_mirror_answers_by_default_on_sqlite(build):
    engine = build()
    assert isinstance(engine, ColumnarMirror)
    assert IQueryEngine.providedBy(engine)


def test_read_engine_store_turns_it_off(build):
    assert isinstance(build(**{"backdrop.read_engine": "store"}), SQLiteStore)


def test_the_environment_turns_it_off_too(build, monkeypatch):
    monkeypatch.setenv("BACKDROP_READ_ENGINE", "store")
    assert isinstance(build(), SQLiteStore)


def test_a_write_only_process_keeps_no_mirror(build):
    assert isinstance(build(**{"backdrop.roles": "write"}), SQLiteStore)


@pytest.mark.parametrize("engine, message", [
    ("columnar", "backdrop.read_engine must be one of mirror, store"),
])
def test_an_unknown_engine_is_refused(build, engine, message):
    with pytest.raises(SystemExit, match=message):
        build(**{"backdrop.read_engine": engine})


def test_the_mirror_needs_a_change_feed(build, mongo_store):
    with pytest.raises(SystemExit, match="needs a store with a change feed"):
        build(**{"backdrop.store": mongo_store, "backdrop.read_engine": "mirror"})


def test_mongodb_reads_from_its_own_pipelines(build, mongo_store):
    assert build(**{"backdrop.store": mongo_store}) is mongo_store
