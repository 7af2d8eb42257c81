"""Which engine answers reads: the columnar mirror by default on SQLite, the store on request."""
import pytest

from backdrop import main
from backdrop.buckets import new_config
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


def test_reads_are_answered_by_the_mirror(make_app):
    """Through the real app: the mirror catches up once per write, no more; a read after
    an append is answered at once, merged with the rows appended, and the mirror
    catches up after it."""
    app = make_app()
    registry = app.app.registry
    engine = registry["backdrop.read_engine"]
    config, token = new_config("visits", {"raw_queries_allowed": True},
                               registry["backdrop.plugins"])
    registry["backdrop.store"].create_bucket(config)
    headers = {"Authorization": f"Bearer {token}"}
    path = "/visits?period=day&start_at=2024-01-01T00:00:00Z&end_at=2024-01-03T00:00:00Z"
    app.post_json("/visits", [{"_timestamp": "2024-01-01T10:00:00Z"}], headers=headers)
    assert [row["_count"] for row in app.get(path).json["data"]] == [1, 0]
    assert engine.catch_ups == 1
    app.get(path)
    assert engine.catch_ups == 1
    app.post_json("/visits", [{"_timestamp": "2024-01-02T10:00:00Z"}], headers=headers)
    assert [row["_count"] for row in app.get(path).json["data"]] == [1, 1]
    assert engine.merged_answers == 1
    engine.wait_for_catch_ups()
    assert engine.catch_ups == 2
    assert [row["_count"] for row in app.get(path).json["data"]] == [1, 1]
    assert (engine.catch_ups, engine.merged_answers) == (2, 1)
