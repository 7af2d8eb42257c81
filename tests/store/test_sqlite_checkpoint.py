"""Bulk writes are checkpointed by the store's own thread, not inside a later write's COMMIT.

The batches here stay below SQLite's own checkpoint at 1,000 WAL pages, so
only the store's thread can have copied them into the database file.
"""
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest

from backdrop.store import sqlite_checkpoint
from backdrop.store.sqlite import SQLiteStore
from backdrop.store.sqlite_checkpoint import CHECKPOINT_ROWS

T = datetime(2014, 1, 1, tzinfo=UTC)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "checkpoint.db"


@pytest.fixture
def store(path):
    store = SQLiteStore(f"sqlite:///{path}")
    store.create_bucket({"name": "b", "bucket_type": "custom"})
    yield store
    store.close()


def _batch(count, start=0):
    return [{"_id": f"r{start + n}", "_timestamp": T + timedelta(seconds=start + n), "n": start + n,
             "text": "x" * 100} for n in range(count)]


def _wal_pages(path):
    return max(0, os.path.getsize(f"{path}-wal") - 32) // (4096 + 24)


def _checkpointed_size(path, above, timeout=10):
    deadline = time.monotonic() + timeout
    while os.path.getsize(path) <= above and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.path.getsize(path)


def test_a_bulk_write_is_copied_into_the_database_file_in_the_background(store, path):
    before = os.path.getsize(path)
    store.insert("b", _batch(CHECKPOINT_ROWS * 2))
    assert _wal_pages(path) < 1000  # SQLite's own checkpoint has not run
    assert _checkpointed_size(path, above=before + 100 * 4096) > before + 100 * 4096
    reader = sqlite3.connect(path)
    (table,) = reader.execute("SELECT records_table FROM buckets WHERE name = 'b'").fetchone()
    assert reader.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (CHECKPOINT_ROWS * 2,)
    assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    reader.close()


def test_small_writes_leave_the_wal_to_later(store, path):
    before = os.path.getsize(path)
    store.insert("b", _batch(CHECKPOINT_ROWS - 1))
    time.sleep(0.3)
    assert os.path.getsize(path) == before
    assert store._checkpoints._thread is None


def test_the_wal_starts_again_once_the_thread_has_copied_it(store, path):
    for start in range(0, 20 * CHECKPOINT_ROWS, CHECKPOINT_ROWS):
        store.insert("b", _batch(CHECKPOINT_ROWS, start))
        _checkpointed_size(path, above=os.path.getsize(path), timeout=2)
    # Twenty batches appended would be ~1,400 pages; started again, the WAL holds one or two.
    assert _wal_pages(path) < 400
    assert store.count("b") == 20 * CHECKPOINT_ROWS


def test_close_stops_the_thread_and_a_later_bulk_write_starts_another(store, path):
    store.insert("b", _batch(CHECKPOINT_ROWS))
    thread = store._checkpoints._thread
    assert thread is not None and thread.is_alive()
    store.close()
    assert not thread.is_alive()
    store.insert("b", _batch(CHECKPOINT_ROWS, CHECKPOINT_ROWS))
    assert store._checkpoints._thread.is_alive()
    assert store.count("b") == 2 * CHECKPOINT_ROWS


def test_no_checkpoint_on_a_disk_without_room_for_twice_the_wal(store, path, monkeypatch):
    """A store recovering from a full disk is not filled again from the background
    (end to end: ``tests/functional/operations/test_disk_full.py``)."""
    real_statvfs = os.statvfs

    def room(free_bytes):
        def statvfs(directory):
            found = real_statvfs(directory)
            return type("Disk", (), {"f_bavail": free_bytes // found.f_frsize,
                                     "f_frsize": found.f_frsize})()
        return statvfs

    store.insert("b", _batch(10))
    wal = os.path.getsize(f"{path}-wal")
    monkeypatch.setattr(sqlite_checkpoint.os, "statvfs", room(2 * wal))
    assert not sqlite_checkpoint._room_to_checkpoint(str(path))
    before = os.path.getsize(path)
    store.insert("b", _batch(CHECKPOINT_ROWS, 10))
    time.sleep(0.5)
    assert os.path.getsize(path) == before
    monkeypatch.setattr(sqlite_checkpoint.os, "statvfs", room(2 * wal + 2 * 4096 * 1000))
    assert sqlite_checkpoint._room_to_checkpoint(str(path))
