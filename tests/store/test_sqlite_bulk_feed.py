"""A whole large bucket's feed comes from a helper process (ADBC builds Arrow in C).

The helper's rows must be exactly the store's own feed's: the mirror built
from them answers every aggregate as the store does, whatever the value
types; and a helper that cannot start leaves the feed to the store.
"""
import os
import stat
import sys
import textwrap

import pytest

from backdrop.mirror.engine import ColumnarMirror
from backdrop.mirror.files import MirrorFiles
from backdrop.store import sqlite_bulk_feed
from backdrop.store.errors import BucketNotFound
from backdrop.store.sqlite import SQLiteStore

from .helpers import Collect, Query, config, prepare
from .test_mirror import COLLECTS, assert_agrees

MIXED = [
    {"_timestamp": "2024-03-01T10:00:00Z", "k": "a", "v": 1, "w": True, "m": 1},
    {"_timestamp": "2024-03-01T11:00:00Z", "k": "a", "v": 1.0, "w": False, "m": "one"},
    {"_timestamp": "2024-03-02T10:00:00Z", "k": 7, "v": 2.5, "big": 2**63 - 1, "m": 1.5},
    {"_timestamp": "2024-03-03T10:00:00Z", "k": True, "v": 3, "w": 0, "m": False},
    {"k": "b", "v": -0.0, "late": "only here"},
    {"_timestamp": "2024-03-04T10:00:00Z", "k": 2.0, "v": None, "big": -2**63},
]


@pytest.fixture
def stores(tmp_path):
    writer = SQLiteStore(f"sqlite:///{tmp_path / 'store.db'}")
    reader = SQLiteStore(f"sqlite:///{tmp_path / 'store.db'}")
    yield writer, reader
    reader.close()
    writer.close()


@pytest.fixture
def helper_runs(monkeypatch):
    """Every whole-bucket feed goes to the helper; the list counts the helpers started."""
    monkeypatch.setattr(sqlite_bulk_feed, "BULK_FEED_ROWS", 1)
    started, real = [], sqlite_bulk_feed.subprocess.Popen

    def popen(*args, **kwargs):
        started.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite_bulk_feed.subprocess, "Popen", popen)
    return started


def fill(writer, rounds=40):
    writer.create_bucket(config("b", bucket_type="custom"))
    for round_ in range(rounds):
        writer.insert("b", prepare([dict(record, round=round_) for record in MIXED], "custom"))


def test_a_mirror_built_by_the_helper_agrees_with_the_store(stores, helper_runs, tmp_path):
    writer, reader = stores
    fill(writer)
    mirror = ColumnarMirror(reader, MirrorFiles(str(tmp_path / "m")))
    try:
        assert_agrees(mirror, reader, "b",
                      Query(group_by=("k",), collect=COLLECTS),
                      Query(group_by=("w",), collect=(Collect("big", "sum"), Collect("v", "max"))),
                      Query(period="day", collect=COLLECTS),
                      Query(group_by=("late",), collect=(Collect("round", "sum"),)),
                      Query(group_by=("m",), collect=tuple(
                          Collect("m", primitive) for primitive in ("set", "min", "max"))))
        assert len(helper_runs) == 1
        assert helper_runs[0][1:3] == ["-m", "backdrop.store.sqlite_bulk_feed"]
    finally:
        mirror.close()


def test_the_helpers_feed_is_its_own_snapshot_of_every_row(stores, helper_runs):
    writer, reader = stores
    fill(writer, rounds=3)
    with sqlite_bulk_feed.bulk_feed(reader.path, "b") as changes:
        rows = sum(batch.num_rows for batch in changes.batches)
        assert changes.reset and changes.removed == []
        assert changes.position == reader.feed_position("b")
    assert rows == 3 * len(MIXED)


def test_a_missing_bucket_is_not_found_by_the_helper(stores, helper_runs):
    writer, reader = stores
    fill(writer, rounds=1)
    with pytest.raises(BucketNotFound):
        with sqlite_bulk_feed.bulk_feed(reader.path, "nope"):
            pass


def _fake_python(tmp_path, body):
    script = tmp_path / "python"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_a_helper_that_cannot_start_leaves_the_feed_to_the_store(
        stores, helper_runs, tmp_path, monkeypatch):
    writer, reader = stores
    fill(writer, rounds=5)
    monkeypatch.setattr(sqlite_bulk_feed.sys, "executable",
                        _fake_python(tmp_path, "import sys; sys.exit('no ADBC here')\n"))
    mirror = ColumnarMirror(reader, MirrorFiles(str(tmp_path / "m")))
    try:
        assert_agrees(mirror, reader, "b")
        assert len(helper_runs) == 1  # it was tried, then the store's own feed answered
    finally:
        mirror.close()


def test_a_helper_that_fails_midway_fails_the_feed(stores, helper_runs, tmp_path, monkeypatch):
    """A stream cut short must not pass for every row: the read fails (the next one retries)."""
    writer, reader = stores
    fill(writer, rounds=2)
    position = reader.feed_position("b")
    monkeypatch.setattr(sqlite_bulk_feed.sys, "executable", _fake_python(tmp_path, f"""
        import json, sys
        import pyarrow as pa
        schema = pa.schema([("_seq", pa.int64()), ("_timestamp", pa.int64())], metadata={{
            b"backdrop.position": json.dumps({list(position.__dict__.values())!r})}})
        writer = pa.ipc.new_stream(sys.stdout.buffer, schema)
        writer.write_batch(pa.record_batch([pa.array([1]), pa.array([0])], schema=schema))
        sys.stdout.flush()
        sys.exit(3)
    """))
    with pytest.raises(RuntimeError, match="bulk feed helper failed"):
        with sqlite_bulk_feed.bulk_feed(reader.path, "b") as changes:
            list(changes.batches)
    assert os.path.exists(reader.path)
